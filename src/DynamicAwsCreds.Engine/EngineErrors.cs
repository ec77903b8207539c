using System.Data.Common;
using DynamicAwsCreds.Engine.Aws;
using DynamicAwsCreds.Engine.Config;

namespace DynamicAwsCreds.Engine;

/// <summary>
/// What each failure the engine meets means to the user: AWS's errors keep AWS's code and message, and a broken
/// answer, missing root credentials, the store's database and the file system each get their reason.
/// <see cref="EngineBoundary"/> applies it to whatever leaves an engine call; the few places that turn a failure
/// into a result instead (a revoke outcome, a warning) apply it there.
/// </summary>
internal static class EngineErrors
{
    /// <summary>
    /// The EngineException <paramref name="ex"/> stands for (itself when it is one); null when it is none of the
    /// failures the engine knows. <paramref name="target"/> is what an AWS failure is about.
    /// </summary>
    public static EngineException? From(Exception ex, object? target, string storeLocation) => ex switch
    {
        EngineException engine => engine,
        AwsServiceException aws => FromAws(aws, target),
        AwsTransportException transport => new EngineException("AwsUnreachable", ErrorKind.ConnectionError, target, transport.Message, transport),
        AwsCredentialsException credentials => new EngineException("RootCredentialsMissing", ErrorKind.InvalidOperation, target, credentials.Message, credentials),
        // A well-formed answer without what AWS documents (a proxy's page, a truncated body).
        InvalidDataException data => new EngineException("AwsInvalidResponse", ErrorKind.InvalidData, target,
            $"AWS answered with something that is not the documented response: {EngineException.Sentence(data.Message)} Check the endpoint (and any proxy in between), then try again.", data),
        DbException db when db.IsTransient => new EngineException("StoreBusy", ErrorKind.ResourceBusy, storeLocation,
            $"The store '{storeLocation}' is busy ({db.Message.TrimEnd('.')}). Try again.", db),
        DbException db => new EngineException("StoreUnavailable", ErrorKind.ResourceUnavailable, storeLocation,
            $"The store '{storeLocation}' cannot be used: {db.Message.TrimEnd('.')}. Check the disk and the file's permissions.", db),
        IOException io => new EngineException("StoreUnavailable", ErrorKind.ResourceUnavailable, storeLocation,
            $"A file of the store '{storeLocation}' cannot be used: {io.Message.TrimEnd('.')}. Check the disk and the file's permissions.", io),
        _ => null,
    };

    private static EngineException FromAws(AwsServiceException ex, object? target)
    {
        var (reason, kind) = ex.Code switch
        {
            "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" => ("AwsAccessDenied", ErrorKind.PermissionDenied),
            "InvalidClientTokenId" or "SignatureDoesNotMatch" or "MissingAuthenticationToken" or "ExpiredToken" or "InvalidToken"
                => ("AwsAuthenticationFailed", ErrorKind.PermissionDenied),
            "NoSuchEntity" => ("AwsNoSuchEntity", ErrorKind.ObjectNotFound),
            "EntityAlreadyExists" => ("AwsEntityAlreadyExists", ErrorKind.ResourceExists),
            "LimitExceeded" => ("AwsLimitExceeded", ErrorKind.LimitsExceeded),
            "MalformedPolicyDocument" or "ValidationError" or "InvalidInput" => ("AwsInvalidInput", ErrorKind.InvalidArgument),
            "Throttling" or "RequestLimitExceeded" or "ServiceUnavailable" or "ServiceFailure" => ("AwsUnavailable", ErrorKind.ResourceUnavailable),
            "InvalidResponse" => ("AwsInvalidResponse", ErrorKind.InvalidData),
            _ when ex.StatusCode >= 500 => ("AwsUnavailable", ErrorKind.ResourceUnavailable),
            // No AWS error in the body: a proxy's or load balancer's page, not AWS.
            "Unknown" => ("AwsInvalidResponse", ErrorKind.InvalidData),
            _ => ("AwsError", ErrorKind.NotSpecified),
        };
        return new EngineException(reason, kind, target, $"AWS {ex.Service.ToUpperInvariant()} {ex.Action} failed: {ex.Code}: {ex.AwsMessage}", ex) { AwsCode = ex.Code };
    }
}
