using Google.Protobuf;
using Interop.Contracts.Disbursement.V1;

namespace Interop.Cli.BankFiles;

/// <summary>
/// The entries of a bank file that its check sent to the hub, kept on disk in a private temporary
/// file (deleted when closed) so that applying sends exactly what was checked, in constant memory,
/// without parsing the XML again: a file changed between the two passes cannot slip anything in.
/// </summary>
internal sealed class EntrySpool : IDisposable
{
    private readonly FileStream stream;
    private readonly BinaryWriter writer;

    private EntrySpool(FileStream stream)
    {
        this.stream = stream;
        writer = new BinaryWriter(stream);
    }

    public static EntrySpool Create()
    {
        var path = Path.Combine(Path.GetTempPath(), $"interop-spool-{Guid.NewGuid():N}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows())
        {
            // The entries carry the bank's references: readable by the user running the CLI only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new EntrySpool(new FileStream(path, options));
    }

    public void Add(long entry, PaymentConfirmation confirmation)
    {
        writer.Write(entry);
        var bytes = confirmation.ToByteArray();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>The entries added, in order, with their numbers in the file.</summary>
    public IEnumerable<(long Entry, PaymentConfirmation Confirmation)> Entries()
    {
        writer.Flush();
        stream.Position = 0;
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        while (stream.Position < stream.Length)
        {
            var entry = reader.ReadInt64();
            var length = reader.ReadInt32();
            yield return (entry, PaymentConfirmation.Parser.ParseFrom(reader.ReadBytes(length)));
        }
    }

    public void Dispose()
    {
        writer.Dispose();
        stream.Dispose();
    }
}
