namespace LocalAws;

/// <summary>An AWS-shaped error: HTTP status, error code, message and fault type (Sender or Receiver).</summary>
internal sealed class AwsError : Exception
{
    public AwsError(int status, string code, string message, bool sender = true)
        : base(message)
    {
        Status = status;
        Code = code;
        Sender = sender;
    }

    public int Status { get; }

    public string Code { get; }

    public bool Sender { get; }

    public static AwsError NoSuchEntity(string message) => new(404, "NoSuchEntity", message);

    public static AwsError AlreadyExists(string message) => new(409, "EntityAlreadyExists", message);

    public static AwsError DeleteConflict(string message) => new(409, "DeleteConflict", message);

    public static AwsError LimitExceeded(string message) => new(409, "LimitExceeded", message);

    public static AwsError InvalidInput(string message) => new(400, "InvalidInput", message);

    public static AwsError Malformed(string message) => new(400, "MalformedPolicyDocument", message);

    public static AwsError InvalidClientTokenId() =>
        new(403, "InvalidClientTokenId", "The security token included in the request is invalid.");

    public static AwsError SignatureDoesNotMatch(string? message = null) =>
        new(403, "SignatureDoesNotMatch", message ?? "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

    public static AwsError IncompleteSignature(string message) => new(400, "IncompleteSignature", message);
}
