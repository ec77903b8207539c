using System.Globalization;
using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>XML helpers matching on local names: AWS responses carry a per-service namespace we don't care about.</summary>
internal static class Xml
{
    public static XElement? Child(this XElement element, string localName) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    public static IEnumerable<XElement> Children(this XElement element, string localName) =>
        element.Elements().Where(e => e.Name.LocalName == localName);

    public static string? ChildValue(this XElement element, string localName) => element.Child(localName)?.Value;

    /// <summary>The members of a Query-protocol list: <c>&lt;Name&gt;&lt;member&gt;…</c>.</summary>
    public static IEnumerable<XElement> Members(this XElement element, string listName) =>
        element.Child(listName)?.Children("member") ?? [];

    public static string Required(this XElement element, string localName) =>
        element.ChildValue(localName)
        ?? throw new InvalidDataException($"The AWS response has no <{localName}> in <{element.Name.LocalName}>.");

    public static DateTimeOffset RequiredDate(this XElement element, string localName) =>
        DateTimeOffset.Parse(element.Required(localName), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static bool IsTrue(this XElement element, string localName) =>
        bool.TryParse(element.ChildValue(localName)?.Trim(), out var value) && value;
}
