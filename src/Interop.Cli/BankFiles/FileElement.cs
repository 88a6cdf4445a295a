using System.Text;
using System.Xml;

namespace Interop.Cli.BankFiles;

/// <summary>
/// One element of a bank file as the checks read it: its name, its currency attribute, its text and
/// its child elements in the message's namespace (others are skipped). Lighter than XElement (no
/// name table, no namespace objects): a file of a million entries builds one of these trees per
/// entry. An entry deeper or larger than any ISO 20022 entry is refused before it can exhaust the
/// stack or the memory (a hostile file of one endless entry).
/// </summary>
internal sealed class FileElement
{
    /// <summary>Levels below an entry: an ISO 20022 entry needs fewer than ten.</summary>
    public const int MaxDepth = 24;

    /// <summary>Elements in one entry: a camt.054 batch booking of a few hundred transactions fits.</summary>
    public const int MaxElements = 20_000;

    /// <summary>Characters of text in one entry.</summary>
    public const int MaxText = 1 << 20;

    // The text, as one string in the usual case of one chunk; a builder once it comes in several.
    private string text = string.Empty;
    private StringBuilder? longText;
    private List<FileElement>? children;

    private FileElement(string name, string? currency)
    {
        Name = name;
        Currency = currency;
    }

    public string Name { get; }

    /// <summary>The Ccy attribute of an amount; null when there is none.</summary>
    public string? Currency { get; }

    /// <summary>The element's text and its children's, as XElement.Value gives it for ISO 20022's elements (no mixed content).</summary>
    public string Value => children is null ? Text : Text + string.Concat(children.Select(child => child.Value));

    private string Text => longText?.ToString() ?? text;

    public FileElement? Element(string name)
    {
        if (children is not null)
        {
            foreach (var child in children)
            {
                if (child.Name == name)
                {
                    return child;
                }
            }
        }

        return null;
    }

    public IEnumerable<FileElement> Elements(string name) => children?.Where(child => child.Name == name) ?? [];

    /// <summary>Reads the element the reader stands on, in <paramref name="ns"/>, and leaves the reader after it.</summary>
    public static FileElement Read(XmlReader reader, string ns)
    {
        var budget = new Budget();
        return Read(reader, ns, 0, budget);
    }

    private static FileElement Read(XmlReader reader, string ns, int depth, Budget budget)
    {
        if (depth >= MaxDepth || ++budget.Elements > MaxElements)
        {
            throw new BankFileException($"an entry nests deeper than {MaxDepth} levels or holds more than {MaxElements:N0} elements at line {(reader as IXmlLineInfo)?.LineNumber ?? 0}");
        }

        var element = new FileElement(reader.LocalName, reader.GetAttribute("Ccy"));
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return element;
        }

        var endDepth = reader.Depth;
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement || reader.Depth != endDepth)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                if (reader.NamespaceURI == ns)
                {
                    (element.children ??= []).Add(Read(reader, ns, depth + 1, budget));
                }
                else
                {
                    reader.Skip();
                }

                continue;
            }

            if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace)
            {
                // Read a chunk at a time, so that one enormous text node is refused before it is held whole.
                var chunk = budget.Chunk;
                int read;
                while ((read = reader.ReadValueChunk(chunk, 0, chunk.Length)) > 0)
                {
                    budget.Text += read;
                    if (budget.Text > MaxText)
                    {
                        throw new BankFileException($"an entry holds more than {MaxText:N0} characters of text at line {(reader as IXmlLineInfo)?.LineNumber ?? 0}");
                    }

                    element.Append(chunk, read);
                }
            }

            if (!reader.Read())
            {
                throw new XmlException("The file ends inside an element.", null, (reader as IXmlLineInfo)?.LineNumber ?? 0, (reader as IXmlLineInfo)?.LinePosition ?? 0);
            }
        }

        reader.Read();
        return element;
    }

    private void Append(char[] chunk, int length)
    {
        if (longText is null && text.Length == 0)
        {
            text = new string(chunk, 0, length);
            return;
        }

        (longText ??= new StringBuilder(text)).Append(chunk, 0, length);
    }

    private sealed class Budget
    {
        public char[] Chunk { get; } = new char[4096];

        public int Elements { get; set; }

        public long Text { get; set; }
    }
}
