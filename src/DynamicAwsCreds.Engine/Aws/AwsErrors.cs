using System.Xml;
using System.Xml.Linq;

namespace DynamicAwsCreds.Engine.Aws;

/// <summary>An error answered by the AWS service, with AWS's own code and message.</summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(
        string service, string action, string code, string message, int statusCode, string? requestId, bool isSender)
        : base(Describe(service, action, code, message, statusCode, requestId))
    {
        Service = service;
        Action = action;
        Code = code;
        AwsMessage = message;
        StatusCode = statusCode;
        RequestId = requestId;
        IsSender = isSender;
    }

    public string Service { get; }
    public string Action { get; }
    public string Code { get; }
    public string AwsMessage { get; }
    public int StatusCode { get; }
    public string? RequestId { get; }
    public bool IsSender { get; }
    public bool IsNoSuchEntity => Code == "NoSuchEntity";

    /// <summary>
    /// An earlier attempt of the same call went unanswered or failed on AWS's side (5xx), so AWS may have
    /// carried it out: an EntityAlreadyExists after it may be that attempt's own work.
    /// </summary>
    public bool AfterUncertainAttempt { get; internal set; }

    private static string Describe(string service, string action, string code, string message, int status, string? requestId) =>
        $"{service.ToUpperInvariant()} {action} failed: {code} (HTTP {status}): {message}"
        + (requestId is null ? "" : $" (request id {requestId})");
}

/// <summary>No answer from the endpoint (connection refused/reset, timeout) after every retry.</summary>
public sealed class AwsTransportException : Exception
{
    public AwsTransportException(string service, string action, int attempts, Exception innerException)
        : base($"{service.ToUpperInvariant()} {action} failed: no answer from the endpoint after {attempts} attempt(s): "
               + innerException.Message, innerException)
    {
        Service = service;
        Action = action;
        Attempts = attempts;
    }

    public string Service { get; }
    public string Action { get; }
    public int Attempts { get; }
}

internal static class AwsErrorParser
{
    /// <summary>
    /// Reads the Query-protocol error body. AWS uses <c>ErrorResponse/Error</c> (IAM, STS),
    /// <c>ErrorResponse/Errors/Error</c> and <c>Response/Errors/Error</c> (EC2-style); all carry one <c>Error</c>.
    /// </summary>
    public static AwsServiceException Parse(string service, string action, int status, string body, string? headerRequestId)
    {
        XElement? root = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(body))
                root = XDocument.Parse(body).Root;
        }
        catch (XmlException)
        {
            // Not XML (a proxy page, a load balancer): handled below.
        }

        var error = root?.DescendantsAndSelf().FirstOrDefault(e => e.Name.LocalName == "Error");
        var code = error?.ChildValue("Code");
        if (root is null || error is null || string.IsNullOrEmpty(code))
        {
            // The body itself is left out: an intermediary's page might echo request headers.
            return new AwsServiceException(service, action, "Unknown",
                $"HTTP {status} with no AWS error in the body ({body.Length} characters)",
                status, headerRequestId, status < 500);
        }

        var type = error.ChildValue("Type");
        var requestId = root.DescendantsAndSelf()
            .FirstOrDefault(e => e.Name.LocalName is "RequestId" or "RequestID")?.Value ?? headerRequestId;
        return new AwsServiceException(service, action, code, error.ChildValue("Message") ?? "", status,
            requestId, type is null ? status < 500 : type == "Sender");
    }
}
