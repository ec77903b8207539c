namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// The helper's command line: <c>--role &lt;name&gt; [--mount &lt;path&gt;] [--store &lt;location&gt;] [--pwsh &lt;path&gt;]</c>.
/// </summary>
/// <param name="Role">The role (required).</param>
/// <param name="Mount">The mount path (default aws).</param>
/// <param name="Store">What DYNAMICAWSCREDS_STORE takes; null: that variable, else the per-user store.</param>
/// <param name="Pwsh">The PowerShell to hand over to: an executable, or a pwsh.dll run as <c>dotnet &lt;pwsh.dll&gt;</c>.</param>
internal sealed record HelperArguments(string Role, string Mount, string? Store, string Pwsh)
{
    public const string Usage = "usage: dynamicawscreds-credential-process --role <name> [--mount <path>] [--store <location>] [--pwsh <path>]";

    /// <summary>Reads the command line; a <see cref="HelperException"/> (exit code 2) for anything it does not take.</summary>
    public static HelperArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is not ("--role" or "--mount" or "--store" or "--pwsh"))
            {
                throw Invalid($"'{name}' is not an argument it takes");
            }

            if (i + 1 >= args.Count)
            {
                throw Invalid($"{name} needs a value");
            }

            var value = args[++i];
            if (string.IsNullOrWhiteSpace(value))
            {
                throw Invalid($"{name} needs a value that is not empty");
            }

            if (!values.TryAdd(name, value))
            {
                throw Invalid($"{name} is given twice");
            }
        }

        if (!values.TryGetValue("--role", out var role))
        {
            throw Invalid("--role is required");
        }

        return new HelperArguments(
            role,
            values.GetValueOrDefault("--mount", "aws"),
            values.GetValueOrDefault("--store"),
            values.GetValueOrDefault("--pwsh", "pwsh"));
    }

    private static HelperException Invalid(string why) => new("InvalidArgument", $"{why}; {Usage}", HelperException.BadArgumentsExitCode);
}
