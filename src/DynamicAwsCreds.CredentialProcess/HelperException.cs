namespace DynamicAwsCreds.CredentialProcess;

/// <summary>
/// One of the helper's own errors: written as one plain line on stderr,
/// <c>dynamicawscreds-credential-process: DynamicAwsCreds.&lt;Reason&gt;: &lt;message&gt;</c>, with a non-zero exit code.
/// </summary>
internal sealed class HelperException(string reason, string message, int exitCode = HelperException.FailureExitCode) : Exception(message)
{
    public const int FailureExitCode = 1;
    public const int BadArgumentsExitCode = 2;

    public string Reason { get; } = reason;

    public int ExitCode { get; } = exitCode;

    /// <summary>The stderr line (no colour codes, no line breaks).</summary>
    public string Line => $"dynamicawscreds-credential-process: DynamicAwsCreds.{Reason}: {Message.ReplaceLineEndings(" ")}";
}
