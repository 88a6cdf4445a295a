using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Interop.Hub.Registry.ProposeHousehold;

namespace Interop.Hub.Grpc;

/// <summary>
/// A read mask (interop.registry.v2): the paths of a message a caller wants back. Unlike
/// <see cref="FieldMask.Merge(IMessage, IMessage)"/>, a path may go into a repeated message field and
/// then applies to every element ("members.relationship" keeps each member's relationship only), which
/// is what lets a partner read a household's members without their personal data.
/// </summary>
internal sealed class ReadMask
{
    private readonly Dictionary<string, ReadMask> children = new(StringComparer.Ordinal);

    /// <summary>The whole field is wanted (a path ended here).</summary>
    private bool whole;

    private ReadMask()
    {
    }

    /// <summary>The mask's paths checked against the message type, as field issues under <paramref name="field"/>; empty when all are valid.</summary>
    public static IReadOnlyList<FieldIssue> Check(FieldMask? mask, MessageDescriptor descriptor, string field)
    {
        var issues = new List<FieldIssue>();
        for (var index = 0; index < (mask?.Paths.Count ?? 0); index++)
        {
            var path = mask!.Paths[index];
            var type = descriptor;
            var segments = path.Split('.');
            for (var depth = 0; depth < segments.Length; depth++)
            {
                var named = type?.FindFieldByName(segments[depth]);
                if (named is null)
                {
                    issues.Add(new($"{field}.paths[{index}]", $"names no field of {descriptor.Name}"));
                    break;
                }

                type = named.FieldType == FieldType.Message ? named.MessageType : null;
            }
        }

        return issues;
    }

    /// <summary>Clears every field the mask does not name, except <paramref name="alwaysKept"/>; an empty mask keeps everything. The mask must have passed <see cref="Check"/>.</summary>
    public static void Apply(FieldMask? mask, IMessage message, params string[] alwaysKept)
    {
        if (mask is null || mask.Paths.Count == 0)
        {
            return;
        }

        var root = new ReadMask();
        foreach (var path in mask.Paths.Concat(alwaysKept))
        {
            var node = root;
            foreach (var segment in path.Split('.'))
            {
                if (!node.children.TryGetValue(segment, out var child))
                {
                    node.children[segment] = child = new ReadMask();
                }

                node = child;
            }

            node.whole = true;
        }

        root.Prune(message);
    }

    private void Prune(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (!children.TryGetValue(field.Name, out var child))
            {
                field.Accessor.Clear(message);
            }
            else if (!child.whole && field.IsRepeated)
            {
                foreach (var element in (System.Collections.IList)field.Accessor.GetValue(message))
                {
                    child.Prune((IMessage)element);
                }
            }
            else if (!child.whole && field.Accessor.GetValue(message) is IMessage nested)
            {
                child.Prune(nested);
            }
        }
    }
}
