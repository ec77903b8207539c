using Amazon.DynamoDBv2.Model;

namespace DynamicAwsCreds.Engine.Store.DynamoDb;

/// <summary>
/// The expressions of one request with their placeholders: an update (<see cref="Text"/>, empty for a put, delete or
/// query) and a condition (<see cref="Condition"/>: a put's or delete's condition, an update's, or a query's filter). Attribute names are always placeholders,
/// since many of them (state, role, user) are DynamoDB reserved words.
/// </summary>
internal sealed class Expr(string text, string? condition = null)
{
    /// <summary>A condition alone: for a put, a delete or a query filter.</summary>
    public static Expr When(string condition) => new(string.Empty, condition);

    public string Text { get; } = text;

    public string? Condition { get; private set; } = condition;

    public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, AttributeValue> Values { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string>? NamesOrNull => Names.Count == 0 ? null : Names;

    public Dictionary<string, AttributeValue>? ValuesOrNull => Values.Count == 0 ? null : Values;

    /// <summary>Binds <c>#attribute</c> to each attribute name given.</summary>
    public Expr Named(params string[] attributes)
    {
        foreach (var a in attributes)
        {
            Names["#" + a] = a;
        }

        return this;
    }

    public Expr Name(string placeholder, string attribute)
    {
        Names[placeholder] = attribute;
        return this;
    }

    public Expr Value(string placeholder, AttributeValue value)
    {
        Values[placeholder] = value;
        return this;
    }

    /// <summary>Adds a clause to the condition, joined with AND.</summary>
    public Expr And(string clause)
    {
        Condition = Condition is null ? clause : $"({Condition}) AND ({clause})";
        return this;
    }
}
