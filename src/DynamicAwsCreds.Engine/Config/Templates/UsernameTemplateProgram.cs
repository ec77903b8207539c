namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// A parsed username template in Vault's language (Go text/template with Vault's functions), ready to render
/// any number of times from any number of threads.
/// </summary>
public sealed class UsernameTemplateProgram
{
    /// <summary>Vault refuses templates this long or longer.</summary>
    public const int MaxTemplateLength = 100_000;

    private readonly IReadOnlyList<Node> _nodes;

    private UsernameTemplateProgram(string source, IReadOnlyList<Node> nodes)
    {
        Source = source;
        _nodes = nodes;
    }

    /// <summary>The template text this program was parsed from.</summary>
    public string Source { get; }

    /// <exception cref="TemplateException">
    /// The template is empty or too long, is not valid syntax, or names an unknown function or field, or calls a
    /// function with the wrong number or types of arguments.
    /// </exception>
    public static UsernameTemplateProgram Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Length == 0)
        {
            throw new TemplateException("username template is empty");
        }

        if (template.Length >= MaxTemplateLength)
        {
            throw new TemplateException($"username template is too long: it must be shorter than {MaxTemplateLength} characters");
        }

        return new UsernameTemplateProgram(template, Parser.Parse(template));
    }

    /// <summary>Renders the template; <c>random</c> draws from the OS CSPRNG.</summary>
    /// <param name="now">The time <c>unix_time</c>, <c>unix_time_millis</c> and <c>timestamp</c> report, in its own offset.</param>
    /// <returns>The output with surrounding white space removed.</returns>
    /// <exception cref="TemplateException">A function refused a value only known while rendering.</exception>
    public string Render(TemplateData data, DateTimeOffset now) => Render(data, now, SecureRandom.Base62);

    /// <summary>Renders with a chosen source for <c>random</c>, so tests can reproduce exact output.</summary>
    internal string Render(TemplateData data, DateTimeOffset now, Func<int, string> random)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);

        // Vault itself does not trim, but white space is never valid in an IAM or STS name, so trimming only
        // rescues templates read from files that end in a newline.
        return Evaluator.Render(_nodes, new RenderContext(data, now, random)).Trim();
    }

    public override string ToString() => Source;
}
