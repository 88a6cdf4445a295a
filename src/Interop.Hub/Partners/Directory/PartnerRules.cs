using System.Text.RegularExpressions;
using Interop.Hub.Registry;
using Interop.Hub.Registry.ProposeHousehold;
using Interop.ReferenceData;

namespace Interop.Hub.Partners.Directory;

/// <summary>What a decision on the directory reads besides the record: the region table, and which partner holds which certificate.</summary>
internal sealed record DirectoryContext(RegionTable Regions, IReadOnlyDictionary<string, string> CertificateHolders)
{
    /// <summary>The partners that can run the directory now: active, holding partners.admin, with a certificate bound.</summary>
    public IReadOnlyList<string> Administrators { get; init; } = [];

    /// <summary>The partner is the last one that can run the directory.</summary>
    public bool IsLastAdministrator(string partnerId) => Administrators.Contains(partnerId) && Administrators.All(other => other == partnerId);
}

/// <summary>
/// The directory's rules, pure: what a partner record may hold (an id unique across kinds; only the
/// scopes its kind may hold; areas only for the kinds that serve one, and always for a local
/// government; certificates from a partner CA that name this very partner), and what the steward may
/// not do to its own record (suspend it, take away its own administration, unbind the certificate it
/// calls with), so that the directory can never be left without anyone to run it.
/// </summary>
internal static partial class PartnerRules
{
    public const int MaxDisplayNameLength = 200;
    public const int MaxCertificates = 8;
    public const int MaxAreas = 64;
    public const int MaxScopes = 16;

    public static PartnerDecision Decide(RegisterPartner command, Partner? existing, IReadOnlyList<CertificateFacts?> certificates, DirectoryContext context)
    {
        if (Oversized(command.Areas, command.Scopes, certificates.Count) is { } oversized)
        {
            return oversized;
        }

        var violations = new List<FieldIssue>();
        if (!IsPartnerId(command.PartnerId))
        {
            violations.Add(new("partner_id", "must be 2-63 lower-case letters, digits and hyphens, starting with a letter or digit, as in the certificate's urn:interop-hub:partner URI"));
        }

        if (command.Kind == PartnerKind.Unspecified || !Enum.IsDefined(command.Kind))
        {
            violations.Add(new("kind", "must name a kind of partner"));
        }

        ProposalRules.RequireText(violations, "display_name", command.DisplayName, MaxDisplayNameLength);
        ProposalRules.RequireText(violations, "reason", command.Reason, ProposalRules.MaxReasonLength);
        CheckAreas(violations, "areas", command.Kind, command.Areas, context.Regions);
        CheckScopes(violations, "scopes", command.Kind, command.Scopes);
        if (certificates.Count is 0 or > MaxCertificates)
        {
            violations.Add(new("certificates_pem", $"must hold 1 to {MaxCertificates} certificates"));
        }

        var bound = new List<BoundCertificate>();
        for (var index = 0; index < certificates.Count; index++)
        {
            if (CheckCertificate(violations, $"certificates_pem[{index}]", command.PartnerId, command.Kind, certificates[index]) is { } certificate)
            {
                if (bound.Any(other => other.Thumbprint == certificate.Thumbprint))
                {
                    violations.Add(new($"certificates_pem[{index}]", "is sent twice"));
                }

                bound.Add(certificate);
            }
        }

        if (violations.Count > 0)
        {
            return new PartnerDecision.Invalid(violations);
        }

        if (existing is not null)
        {
            return new PartnerDecision.Taken("partner_id", $"A partner with id {command.PartnerId} is already registered (partner ids are unique across kinds); nothing was stored.");
        }

        if (bound.FirstOrDefault(certificate => context.CertificateHolders.ContainsKey(certificate.Thumbprint)) is { } held)
        {
            return new PartnerDecision.Taken("certificates_pem", $"Certificate {held.Thumbprint} is already bound to partner {context.CertificateHolders[held.Thumbprint]}; nothing was stored.");
        }

        return new PartnerDecision.Accepted([new PartnerRegistered(
            command.PartnerId,
            command.Kind,
            FreeText.Clean(command.DisplayName),
            Sorted(command.Areas),
            Sorted(command.Scopes),
            bound,
            command.Caller,
            FreeText.Clean(command.Reason))]);
    }

    public static PartnerDecision Decide(PartnerRecordChange command, Partner current, CertificateFacts? certificate, DirectoryContext context)
    {
        if (command switch
            {
                PartnerRecordChange.ChangeScopes scopes => Oversized([], scopes.Scopes, 0),
                PartnerRecordChange.ChangeAreas areas => Oversized(areas.Areas, [], 0),
                _ => null,
            } is { } oversized)
        {
            return oversized;
        }

        var violations = new List<FieldIssue>();
        ProposalRules.RequireText(violations, "reason", command.Reason, ProposalRules.MaxReasonLength);
        var self = command.Caller.PartnerId == current.PartnerId;
        var reason = FreeText.Clean(command.Reason);
        switch (command)
        {
            case PartnerRecordChange.ChangeScopes scopes:
                CheckScopes(violations, "scopes", current.Kind, scopes.Scopes);
                if (violations.Count > 0)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                if (current.Scopes.Contains(Scopes.PartnersAdmin) && !scopes.Scopes.Contains(Scopes.PartnersAdmin))
                {
                    if (self)
                    {
                        return new PartnerDecision.NotAllowed("A steward cannot take partners.admin from itself: another steward does that, so that the directory always has someone to run it.");
                    }

                    if (context.IsLastAdministrator(current.PartnerId))
                    {
                        return new PartnerDecision.NotAllowed(LastAdministrator(current));
                    }
                }

                return Sorted(scopes.Scopes).SequenceEqual(current.Scopes)
                    ? new PartnerDecision.NotAllowed($"Partner {current.PartnerId} already holds exactly these scopes; nothing was stored.")
                    : new PartnerDecision.Accepted([new PartnerScopesChanged(Sorted(scopes.Scopes), command.Caller, reason)]);

            case PartnerRecordChange.ChangeAreas areas:
                CheckAreas(violations, "areas", current.Kind, areas.Areas, context.Regions);
                if (violations.Count > 0)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                return Sorted(areas.Areas).SequenceEqual(current.Areas)
                    ? new PartnerDecision.NotAllowed($"Partner {current.PartnerId} already serves exactly these areas; nothing was stored.")
                    : new PartnerDecision.Accepted([new PartnerAreasChanged(Sorted(areas.Areas), command.Caller, reason)]);

            case PartnerRecordChange.BindCertificate:
                var bound = CheckCertificate(violations, "certificate_pem", current.PartnerId, current.Kind, certificate);
                if (violations.Count > 0 || bound is null)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                if (context.CertificateHolders.TryGetValue(bound.Thumbprint, out var holder))
                {
                    return holder == current.PartnerId
                        ? new PartnerDecision.NotAllowed($"Certificate {bound.Thumbprint} is already bound to partner {current.PartnerId}; nothing was stored.")
                        : new PartnerDecision.Taken("certificate_pem", $"Certificate {bound.Thumbprint} is already bound to partner {holder}; nothing was stored.");
                }

                return current.Certificates.Count >= MaxCertificates
                    ? new PartnerDecision.NotAllowed($"Partner {current.PartnerId} already holds {MaxCertificates} certificates, the most a partner may; unbind one first.")
                    : new PartnerDecision.Accepted([new PartnerCertificateBound(bound, command.Caller, reason)]);

            case PartnerRecordChange.UnbindCertificate unbind:
                var thumbprint = unbind.Thumbprint.Trim().ToUpperInvariant();
                if (!ThumbprintPattern().IsMatch(thumbprint))
                {
                    violations.Add(new("sha256_thumbprint", "must be the certificate's SHA-256 as 64 hex digits"));
                }

                if (violations.Count > 0)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                if (!current.Holds(thumbprint))
                {
                    return new PartnerDecision.NotAllowed($"No certificate {thumbprint} is bound to partner {current.PartnerId}; nothing was stored.");
                }

                if (self && thumbprint == command.CallerThumbprint)
                {
                    return new PartnerDecision.NotAllowed("A partner cannot unbind the certificate it is calling with: bind the new one, call with it, then unbind the old.");
                }

                return current.Certificates.Count == 1 && context.IsLastAdministrator(current.PartnerId)
                    ? new PartnerDecision.NotAllowed(LastAdministrator(current))
                    : new PartnerDecision.Accepted([new PartnerCertificateUnbound(thumbprint, command.Caller, reason)]);

            case PartnerRecordChange.Suspend:
                if (violations.Count > 0)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                if (self)
                {
                    return new PartnerDecision.NotAllowed("A partner cannot suspend itself: another steward does that, so that the directory always has someone to run it.");
                }

                if (context.IsLastAdministrator(current.PartnerId))
                {
                    return new PartnerDecision.NotAllowed(LastAdministrator(current));
                }

                return current.IsActive
                    ? new PartnerDecision.Accepted([new PartnerSuspended(command.Caller, reason)])
                    : new PartnerDecision.NotAllowed($"Partner {current.PartnerId} is already suspended; nothing was stored.");

            case PartnerRecordChange.Reinstate:
                if (violations.Count > 0)
                {
                    return new PartnerDecision.Invalid(violations);
                }

                return current.IsActive
                    ? new PartnerDecision.NotAllowed($"Partner {current.PartnerId} is not suspended; nothing was stored.")
                    : new PartnerDecision.Accepted([new PartnerReinstated(command.Caller, reason)]);

            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "A change to a partner without a decision.");
        }
    }

    private static string LastAdministrator(Partner partner) =>
        $"Partner {partner.PartnerId} is the last one able to run the directory (active, with partners.admin and a certificate): give another steward partners.admin first.";

    /// <summary>Lists beyond any sensible record are refused by their length alone, before any item is looked at.</summary>
    private static PartnerDecision.Invalid? Oversized(IReadOnlyList<string> areas, IReadOnlyList<string> scopes, int certificates)
    {
        var violations = new List<FieldIssue>();
        if (areas.Count > MaxAreas)
        {
            violations.Add(new("areas", $"must list at most {MaxAreas} region codes (a province covers all of its regencies)"));
        }

        if (scopes.Count > MaxScopes)
        {
            violations.Add(new("scopes", $"must list at most {MaxScopes} scopes"));
        }

        if (certificates > MaxCertificates)
        {
            violations.Add(new("certificates_pem", $"must hold 1 to {MaxCertificates} certificates"));
        }

        return violations.Count > 0 ? new PartnerDecision.Invalid(violations) : null;
    }

    public static bool IsPartnerId(string value) => PartnerIdPattern().IsMatch(value) && value != Actor.Hub.PartnerId;

    /// <summary>Only a local government and a disaster responder serve an area; a local government always does.</summary>
    private static void CheckAreas(List<FieldIssue> violations, string field, PartnerKind kind, IReadOnlyList<string> areas, RegionTable regions)
    {
        for (var index = 0; index < areas.Count; index++)
        {
            var area = areas[index];
            if (!regions.IsRegion(area))
            {
                violations.Add(new($"{field}[{index}]", "must be a province, regency, district or village code of the current region table (32, 32.73...)"));
            }
            else if (areas.Take(index).Any(other => Jurisdiction.Within(other).Covers(area) || Jurisdiction.Within(area).Covers(other)))
            {
                violations.Add(new($"{field}[{index}]", "is already covered by another area listed, or covers one"));
            }
        }

        if (kind == PartnerKind.LocalGovernment && areas.Count == 0)
        {
            violations.Add(new(field, "a local government serves an area: name at least one region code"));
        }
        else if (kind is not (PartnerKind.LocalGovernment or PartnerKind.DisasterResponder or PartnerKind.Unspecified) && areas.Count > 0)
        {
            violations.Add(new(field, $"a partner of kind {PartnerIdentity.KindToken(kind)} serves the whole country: name no area"));
        }
    }

    private static void CheckScopes(List<FieldIssue> violations, string field, PartnerKind kind, IReadOnlyList<string> scopes)
    {
        var allowed = Scopes.HeldBy(kind);
        for (var index = 0; index < scopes.Count; index++)
        {
            var scope = scopes[index];
            if (!Scopes.All.Contains(scope))
            {
                violations.Add(new($"{field}[{index}]", $"is not a scope of the hub (one of {string.Join(", ", Scopes.All)})"));
            }
            else if (kind != PartnerKind.Unspecified && !allowed.Contains(scope))
            {
                violations.Add(new($"{field}[{index}]", $"a partner of kind {PartnerIdentity.KindToken(kind)} may not hold {scope} (it may hold: {(allowed.Count == 0 ? "none yet" : string.Join(", ", allowed))})"));
            }
            else if (scopes.Take(index).Contains(scope))
            {
                violations.Add(new($"{field}[{index}]", "is listed twice"));
            }
        }
    }

    /// <summary>The certificate to bind, or null with the reason in <paramref name="violations"/>.</summary>
    private static BoundCertificate? CheckCertificate(List<FieldIssue> violations, string field, string partnerId, PartnerKind kind, CertificateFacts? facts)
    {
        string? problem = facts switch
        {
            null => "must be one X.509 certificate in PEM form",
            { Problem: { } refused } => refused,
            { Names: null } => "carries no partner identity (urn:interop-hub:partner:<kind>:<id> in its subject alternative name)",
            { Names: var names } when names.PartnerId != partnerId || names.Kind != kind =>
                $"names partner {names.PartnerId} of kind {PartnerIdentity.KindToken(names.Kind)}, not this partner",
            _ => null,
        };
        if (problem is not null)
        {
            violations.Add(new(field, problem));
            return null;
        }

        return facts!.Certificate;
    }

    private static IReadOnlyList<string> Sorted(IEnumerable<string> values) => [.. values.Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{1,62}\z")]
    private static partial Regex PartnerIdPattern();

    [GeneratedRegex(@"^[0-9A-F]{64}\z")]
    private static partial Regex ThumbprintPattern();
}
