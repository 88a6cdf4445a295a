using System.Security.Cryptography.X509Certificates;
using Interop.Hub.Partners;

namespace Interop.IntegrationTests.Infrastructure;

/// <summary>
/// The purpose a story's partner names when the story is not about purposes: the one whose view is
/// the whole record for its kind (an auditor investigating, so that stories can compare what they
/// wrote with what they read). Stories about views name their purposes themselves.
/// </summary>
public static class StoryPurposes
{
    public static string? Of(X509Certificate2? certificate) =>
        certificate is null ? null : PartnerIdentity.FromCertificate(certificate)?.Kind switch
        {
            PartnerKind.Steward => "registry-stewardship",
            PartnerKind.LocalGovernment => "household-verification",
            PartnerKind.CivilRegistry => "identity-verification",
            PartnerKind.Auditor => "audit-investigation",
            PartnerKind.Ministry => "health-insurance-subsidy",
            PartnerKind.DisasterResponder => "disaster-needs-assessment",
            PartnerKind.Researcher => "approved-research",
            _ => null,
        };
}
