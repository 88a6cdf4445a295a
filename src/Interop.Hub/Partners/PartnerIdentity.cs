using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Interop.Hub.Partners;

/// <summary>
/// Which partner a client certificate names (the directory says what that partner may do). The certificate carries it as URIs in the
/// subject alternative name (see certs/README.md):
/// <c>urn:interop-hub:partner:&lt;kind&gt;:&lt;id&gt;</c> (exactly one) and optionally
/// <c>urn:interop-hub:area:&lt;region code&gt;</c> for partners that serve one area.
/// </summary>
internal sealed partial record PartnerIdentity(string PartnerId, PartnerKind Kind, string? AreaCode)
{
    private const string PartnerPrefix = "urn:interop-hub:partner:";
    private const string AreaPrefix = "urn:interop-hub:area:";
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    private static readonly Dictionary<string, PartnerKind> KindsByToken = new(StringComparer.Ordinal)
    {
        ["steward"] = PartnerKind.Steward,
        ["civil-registry"] = PartnerKind.CivilRegistry,
        ["local-government"] = PartnerKind.LocalGovernment,
        ["bank"] = PartnerKind.Bank,
        ["ministry"] = PartnerKind.Ministry,
        ["auditor"] = PartnerKind.Auditor,
        ["disaster-responder"] = PartnerKind.DisasterResponder,
        ["researcher"] = PartnerKind.Researcher,
    };

    public static string KindToken(PartnerKind kind) => KindsByToken.FirstOrDefault(pair => pair.Value == kind).Key ?? "unspecified";

    /// <summary>The kind a token names ("local-government"), or null for none.</summary>
    public static PartnerKind? KindOf(string token) => KindsByToken.TryGetValue(token, out var kind) ? kind : null;

    /// <summary>Reads the identity, or null when the certificate does not carry a well-formed one.</summary>
    public static PartnerIdentity? FromCertificate(X509Certificate2 certificate)
    {
        var uris = SubjectAlternativeUris(certificate);
        var partnerUris = uris.Where(uri => uri.StartsWith(PartnerPrefix, StringComparison.Ordinal)).ToList();
        var areaUris = uris.Where(uri => uri.StartsWith(AreaPrefix, StringComparison.Ordinal)).ToList();
        if (partnerUris.Count != 1 || areaUris.Count > 1)
        {
            return null;
        }

        var parts = partnerUris[0][PartnerPrefix.Length..].Split(':');
        if (parts.Length != 2 || !KindsByToken.TryGetValue(parts[0], out var kind) || !PartnerIdPattern().IsMatch(parts[1]))
        {
            return null;
        }

        string? area = null;
        if (areaUris.Count == 1)
        {
            area = areaUris[0][AreaPrefix.Length..];
            if (!AreaPattern().IsMatch(area))
            {
                return null;
            }
        }

        return new PartnerIdentity(parts[1], kind, area);
    }

    private static List<string> SubjectAlternativeUris(X509Certificate2 certificate)
    {
        var uris = new List<string>();
        var extension = certificate.Extensions[SubjectAlternativeNameOid];
        if (extension is null)
        {
            return uris;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uniformResourceIdentifier = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (reader.HasData)
            {
                var tag = reader.PeekTag();
                if (tag.HasSameClassAndValue(uniformResourceIdentifier))
                {
                    uris.Add(reader.ReadCharacterString(UniversalTagNumber.IA5String, uniformResourceIdentifier));
                }
                else
                {
                    reader.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            uris.Clear();
        }

        return uris;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{1,62}\z")]
    private static partial Regex PartnerIdPattern();

    [GeneratedRegex(@"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?\z")]
    private static partial Regex AreaPattern();
}
