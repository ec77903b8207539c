namespace DynamicAwsCreds.Engine;

/// <summary>What kind of failure an <see cref="EngineException"/> is; the cmdlets map it to an ErrorCategory of the same name.</summary>
public enum ErrorKind
{
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    NotSpecified,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    ConnectionError,
    ResourceUnavailable,
    ResourceBusy,
    OperationStopped,
    LimitsExceeded,
    OperationTimeout,
}

/// <summary>
/// A failure the user can act on. <see cref="Reason"/> becomes the ErrorRecord id
/// <c>DynamicAwsCreds.&lt;Reason&gt;</c>; the message never contains a secret.
/// </summary>
public sealed class EngineException : Exception
{
    public EngineException(string reason, ErrorKind kind, object? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
        Kind = kind;
        Target = target;
    }

    public string Reason { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }

    /// <summary>The AWS error code when the failure came from AWS, else null.</summary>
    public string? AwsCode { get; init; }

    /// <summary>A failure nothing more specific caught: still a DynamicAwsCreds error, with what went wrong.</summary>
    public static EngineException Unexpected(Exception ex) =>
        new("Unexpected", ErrorKind.NotSpecified, null,
            $"DynamicAwsCreds failed unexpectedly ({ex.GetType().Name}: {ex.Message.TrimEnd().TrimEnd('.')}). Nothing was handed out; if it happens again, please report it with the steps that led to it.", ex);

    /// <summary>
    /// <paramref name="text"/> (another's message, such as AWS's) as a sentence that ends with its full stop, so that
    /// a sentence written after it is not glued on.
    /// </summary>
    public static string Sentence(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.Length == 0 || trimmed[^1] is '.' or '!' or '?' ? trimmed : trimmed + ".";
    }
}
