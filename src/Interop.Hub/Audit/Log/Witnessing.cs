using Interop.Transparency;

namespace Interop.Hub.Audit.Log;

/// <summary>What the hub does with a cosignature a witness sends.</summary>
internal abstract record CosignatureDecision
{
    /// <summary>A witness's good cosignature: kept with the checkpoint.</summary>
    public sealed record Accepted(string Witness, DateTimeOffset CosignedAt, string Line) : CosignatureDecision;

    /// <summary>The line is not a signature line.</summary>
    public sealed record Malformed(string Description) : CosignatureDecision;

    /// <summary>The key is not one of the log's witnesses.</summary>
    public sealed record NotAWitness(string Name) : CosignatureDecision;

    /// <summary>A witness's key, but not its signature of this checkpoint (or a time the hub cannot take).</summary>
    public sealed record Invalid(string Description) : CosignatureDecision;
}

/// <summary>
/// The hub's side of witnessing (C2SP tlog-cosignature): it keeps, beside a checkpoint, the
/// cosignature of each of its configured witnesses, checked against the checkpoint's own text. The
/// witness checked that the checkpoint extends the last one it cosigned before signing; the hub only
/// makes sure nothing but a real witness's real cosignature is served with its checkpoints. Pure.
/// </summary>
internal static class Witnessing
{
    /// <summary>How far ahead of the hub's clock a cosignature's time may be (clocks drift; a day ahead is no drift).</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(10);

    public static CosignatureDecision Decide(string checkpointNote, string line, IReadOnlyList<NoteVerifierKey> witnesses, DateTimeOffset now)
    {
        NoteSignature signature;
        try
        {
            signature = SignedNote.ParseLine(line.TrimEnd('\n'));
        }
        catch (FormatException error)
        {
            return new CosignatureDecision.Malformed(error.Message);
        }

        if (witnesses.FirstOrDefault(key => key.Name == signature.KeyName && key.KeyId == signature.KeyId) is not { } witness)
        {
            return new CosignatureDecision.NotAWitness(signature.KeyName);
        }

        var text = SignedNote.Parse(checkpointNote).Text;
        if (Cosignature.Verify(witness, text, signature) is not { } time)
        {
            return new CosignatureDecision.Invalid("it is not the witness's cosignature/v1 signature of this checkpoint");
        }

        if (time > now + ClockTolerance)
        {
            return new CosignatureDecision.Invalid($"its time ({time:u}) is ahead of the hub's clock");
        }

        return new CosignatureDecision.Accepted(witness.Name, time, signature.Line);
    }
}

/// <summary>The log's witnesses (<see cref="HubOptions.AuditWitnesses"/>), read once at start: a key that cannot be read stops the hub.</summary>
internal sealed record LogWitnesses(IReadOnlyList<NoteVerifierKey> Keys)
{
    public static LogWitnesses FromSettings(HubOptions options)
    {
        var keys = new List<NoteVerifierKey>();
        foreach (var (text, i) in options.AuditWitnesses.Select((text, i) => (text, i)))
        {
            try
            {
                var key = NoteVerifierKey.Parse(text);
                keys.Add(key.Type == NoteVerifierKey.CosignatureV1
                    ? key
                    : throw new FormatException("a witness's key is a cosignature/v1 key (type 0x04), not a note signing key"));
            }
            catch (FormatException error)
            {
                throw new HubConfigurationException($"Hub:AuditWitnesses:{i} is not a witness's verifier key: {error.Message}");
            }
        }

        return new LogWitnesses(keys);
    }
}
