using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Item = System.Collections.Generic.Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The table's key attributes and the conversions of one attribute value: strings, numbers (times as epoch
/// milliseconds, durations as milliseconds), booleans and bytes. A null is an absent attribute.
/// </summary>
internal static class Attr
{
    public const string Pk = "pk";
    public const string Sk = "sk";

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Time(DateTimeOffset value) => N(value.ToUnixTimeMilliseconds());

    public static AttributeValue Bool(bool value) => new() { BOOL = value };

    public static AttributeValue Bytes(byte[] value) => new() { B = new MemoryStream(value.ToArray()) };

    public static AttributeValue List(IEnumerable<string> values) => new() { L = values.Select(S).ToList() };

    public static AttributeValue Map(Item values) => new() { M = values };

    /// <summary>Sets <paramref name="name"/> when <paramref name="value"/> is not null.</summary>
    public static void Set(Item item, string name, AttributeValue? value)
    {
        if (value is not null)
        {
            item[name] = value;
        }
    }

    public static AttributeValue? OrNull(string? value) => value is null ? null : S(value);

    public static AttributeValue? OrNull(long? value) => value is { } v ? N(v) : null;

    public static AttributeValue? OrNull(DateTimeOffset? value) => value is { } v ? Time(v) : null;

    public static AttributeValue? OrNull(TimeSpan? value) => value is { } v ? N((long)v.TotalMilliseconds) : null;

    public static AttributeValue? OrNull(byte[]? value) => value is null ? null : Bytes(value);

    public static string? GetS(Item item, string name) => item.TryGetValue(name, out var v) ? v.S : null;

    public static string S(Item item, string name) => GetS(item, name) ?? throw Missing(name);

    public static long? GetN(Item item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? long.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    public static long N(Item item, string name) => GetN(item, name) ?? throw Missing(name);

    public static DateTimeOffset? GetTime(Item item, string name) => GetN(item, name) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public static DateTimeOffset Time(Item item, string name) => GetTime(item, name) ?? throw Missing(name);

    public static TimeSpan? GetDuration(Item item, string name) => GetN(item, name) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    public static bool Bool(Item item, string name) => item.TryGetValue(name, out var v) && v.BOOL == true;

    public static byte[]? GetBytes(Item item, string name) => item.TryGetValue(name, out var v) && v.B is { } b ? b.ToArray() : null;

    public static List<string> StringList(Item item, string name) =>
        item.TryGetValue(name, out var v) && v.L is { } l ? l.Select(e => e.S).ToList() : [];

    public static Item Map(Item item, string name) => item.TryGetValue(name, out var v) && v.M is { } m ? m : [];

    private static EngineException Missing(string name) =>
        new("StoreCorrupt", ErrorKind.InvalidData, name, $"An item of the shared store lacks its '{name}' attribute; the store was left as it is.");
}
