using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Interop.Contracts.Privacy.V1;
using Interop.Hub.Partners.Privacy;
using PersonalData = Interop.Hub.Partners.Privacy.PersonalData;

namespace Interop.Hub.Grpc;

/// <summary>
/// Applies a view to any message the hub answers with, by the contracts' own marks
/// (interop.privacy.v1.personal_data on each field of personal data, household_record on each field
/// that names a household): every marked field is shown whole, masked, coarsened or emptied as the
/// view says, and the households the message names are collected for the access log. Driven by the
/// descriptors, so a field marked in a new message is covered without code here.
/// </summary>
internal static class ProtoView
{
    private static readonly ConcurrentDictionary<MessageDescriptor, MarkedField[]> Marked = new();

    /// <summary>The personal data a field holds, if the contract marks it.</summary>
    public static PersonalData? KindOf(FieldDescriptor field) =>
        field.GetOptions()?.GetExtension(PersonalDataExtensions.PersonalData) is { } kind and not Contracts.Privacy.V1.PersonalData.Unspecified
            ? (PersonalData)(int)kind
            : null;

    /// <summary>Shows the message as the view allows, in place, and adds the households it names to <paramref name="records"/>.</summary>
    public static void Apply(IMessage message, DataView view, ISet<string> records)
    {
        foreach (var marked in MarkedFieldsOf(message.Descriptor))
        {
            var field = marked.Field;
            if (marked.Kind is { } kind)
            {
                Show(message, field, kind, view);
            }
            else if (marked.Record)
            {
                foreach (var id in Values(message, field).OfType<string>().Where(id => id.Length > 0))
                {
                    records.Add(id);
                }
            }
            else
            {
                foreach (var nested in Values(message, field).OfType<IMessage>())
                {
                    Apply(nested, view, records);
                }
            }
        }
    }

    /// <summary>
    /// The first path of a read mask that names (or goes into) a field the view withholds: asking for
    /// it would widen the view, which a mask may never do. Null when every path stays within it.
    /// </summary>
    public static string? Widening(IEnumerable<string> paths, MessageDescriptor descriptor, DataView view)
    {
        foreach (var path in paths)
        {
            var type = descriptor;
            foreach (var segment in path.Split('.'))
            {
                var field = type?.FindFieldByName(segment);
                if (field is null)
                {
                    break;
                }

                if (KindOf(field) is { } kind && view.Of(kind) == Disclosure.Withheld)
                {
                    return path;
                }

                type = field.FieldType == FieldType.Message ? field.MessageType : null;
            }
        }

        return null;
    }

    private static void Show(IMessage message, FieldDescriptor field, PersonalData kind, DataView view)
    {
        if (view.Of(kind) == Disclosure.Whole)
        {
            return;
        }

        if (field.IsRepeated && field.FieldType == FieldType.String)
        {
            var list = (IList)field.Accessor.GetValue(message);
            var shown = list.Cast<string>().Select(value => view.Show(kind, value)).Where(value => value.Length > 0).ToList();
            list.Clear();
            foreach (var value in shown)
            {
                list.Add(value);
            }
        }
        else if (field.FieldType == FieldType.String)
        {
            field.Accessor.SetValue(message, view.Show(kind, (string)field.Accessor.GetValue(message)));
        }
        else if (field.FieldType == FieldType.Message && field.MessageType.FullName == Google.Type.Date.Descriptor.FullName)
        {
            if (field.Accessor.GetValue(message) is Google.Type.Date date)
            {
                if (view.ShowDate(kind, date.Year, date.Month, date.Day) is { } shown)
                {
                    (date.Year, date.Month, date.Day) = shown;
                }
                else
                {
                    field.Accessor.Clear(message);
                }
            }
        }
        else
        {
            // A mark on a field of another type: withhold it entirely rather than guess.
            field.Accessor.Clear(message);
        }
    }

    private static IEnumerable<object> Values(IMessage message, FieldDescriptor field)
    {
        var value = field.Accessor.GetValue(message);
        if (field.IsRepeated)
        {
            return ((IEnumerable)value).Cast<object>();
        }

        return field.FieldType == FieldType.Message && !field.Accessor.HasValue(message) ? [] : value is null ? [] : [value];
    }

    /// <summary>The fields of a message type that are marked, or lead to messages with marked fields.</summary>
    private static MarkedField[] MarkedFieldsOf(MessageDescriptor descriptor) =>
        Marked.GetOrAdd(descriptor, type => [.. type.Fields.InFieldNumberOrder().Select(Mark).OfType<MarkedField>()]);

    private static MarkedField? Mark(FieldDescriptor field)
    {
        if (KindOf(field) is { } kind)
        {
            return new(field, kind, false);
        }

        if (field.GetOptions()?.GetExtension(PersonalDataExtensions.HouseholdRecord) == true)
        {
            return new(field, null, true);
        }

        return field.FieldType == FieldType.Message && !field.IsMap && LeadsToMarks(field.MessageType, []) ? new(field, null, false) : null;
    }

    private static bool LeadsToMarks(MessageDescriptor type, HashSet<MessageDescriptor> seen)
    {
        if (!seen.Add(type))
        {
            return false;
        }

        return type.Fields.InFieldNumberOrder().Any(field =>
            KindOf(field) is not null
            || field.GetOptions()?.GetExtension(PersonalDataExtensions.HouseholdRecord) == true
            || (field.FieldType == FieldType.Message && !field.IsMap && LeadsToMarks(field.MessageType, seen)));
    }

    private sealed record MarkedField(FieldDescriptor Field, PersonalData? Kind, bool Record);
}
