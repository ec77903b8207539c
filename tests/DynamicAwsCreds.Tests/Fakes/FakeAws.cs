using System.Security.Cryptography;
using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>
/// How a scripted call fails: each is what IIamApi/IStsApi hands the engine once the Query client has given up.
/// </summary>
public enum AwsFault
{
    /// <summary>AWS failed on its side and did nothing: ServiceFailure 500.</summary>
    ServiceFailure,

    /// <summary>The call never reached AWS (connection refused or dropped): AwsTransportException, nothing done.</summary>
    NoAnswer,

    /// <summary>AWS did the call but its answer was lost: AwsTransportException.</summary>
    AnswerLost,

    /// <summary>
    /// AWS did the call, its answer was lost and the client sent it again: the call is done twice and the second
    /// answer is returned, an error marked <see cref="AwsServiceException.AfterUncertainAttempt"/>.
    /// </summary>
    AnswerLostThenRetried,

    /// <summary>AWS did the call and answered 200 with XML that lacks the documented elements: InvalidDataException.</summary>
    Garbage,
}

/// <summary>One call the engine made: the action, the user it named (null when none) and the access key that signed it.</summary>
public sealed record AwsCall(string Action, string? UserName, string SignedBy);

/// <summary>
/// One AWS account held in memory, for engine unit tests: IAM users, groups, managed policies and roles, and the STS
/// sessions issued. Its clients (<see cref="FakeIam"/>, <see cref="FakeSts"/>) refuse what AWS refuses with the
/// AwsServiceException the Query client throws; any call can be scripted to fail; every call is recorded.
/// Not an emulator: no signatures, no policy evaluation, no eventual consistency (LocalAws does those).
/// </summary>
public sealed class FakeAws : IAwsClientFactory
{
    public const string Account = "123456789012";
    public const string RootUserName = "fakeaws-root";

    private readonly object _gate = new();
    private readonly List<AwsCall> _calls = [];
    private readonly Dictionary<string, int> _callCounts = new(StringComparer.Ordinal);
    private readonly List<(string Action, int? Nth, AwsFault Fault)> _faults = [];
    private readonly List<AwsConnection> _connections = [];
    private readonly List<(string Action, AwsPause Pause)> _pauses = [];

    public FakeAws(TimeProvider? time = null)
    {
        Time = time ?? TimeProvider.System;
        var root = AddUser(RootUserName);
        var key = new FakeAccessKey(NewId("AKIA", 16), NewSecret(), Time.GetUtcNow());
        root.AccessKeys.Add(key);
        RootCredentials = new AwsCredentials(key.AccessKeyId, key.SecretAccessKey);
        foreach (var name in (string[])["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMReadOnlyAccess", "SecurityAudit"])
        {
            ManagedPolicyArns.Add($"arn:aws:iam::aws:policy/{name}");
        }

        Iam = new FakeIam(this, _ => ValueTask.FromResult(RootCredentials));
        Sts = new FakeSts(this, _ => ValueTask.FromResult(RootCredentials));
    }

    public TimeProvider Time { get; }

    /// <summary>The access key of <see cref="RootUserName"/>, the identity a mount's root config would hold.</summary>
    public AwsCredentials RootCredentials { get; }

    /// <summary>IAM signed by the root key: for a test's own setup and for code that takes an IIamApi.</summary>
    public FakeIam Iam { get; }

    public FakeSts Sts { get; }

    // The account's state; the clients change it under the gate.
    internal Dictionary<string, FakeUser> UsersByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, FakeGroup> GroupsByName { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal HashSet<string> ManagedPolicyArns { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, FakeRole> RolesByArn { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, FakeSession> SessionsByKey { get; } = new(StringComparer.Ordinal);

    /// <summary>Every connection the engine asked clients for.</summary>
    public IReadOnlyList<AwsConnection> Connections
    {
        get { lock (_gate) return [.. _connections]; }
    }

    /// <summary>Every call so far, in the order made.</summary>
    public IReadOnlyList<AwsCall> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    /// <summary>The IAM users (the root user too), by name.</summary>
    public IReadOnlyList<FakeUser> Users
    {
        get { lock (_gate) return [.. UsersByName.Values.OrderBy(u => u.UserName, StringComparer.Ordinal)]; }
    }

    public FakeUser? User(string userName)
    {
        lock (_gate) return UsersByName.GetValueOrDefault(userName);
    }

    /// <summary>Clients signed with the connection's credentials, on this account.</summary>
    public AwsApis Create(AwsConnection connection)
    {
        lock (_gate) _connections.Add(connection);
        return new AwsApis(new FakeIam(this, connection.Credentials), new FakeSts(this, connection.Credentials));
    }

    /// <summary>Makes the <paramref name="nth"/> call of <paramref name="action"/> (counted from 1; null: every call) fail.</summary>
    public void Fail(string action, AwsFault fault, int? nth = 1)
    {
        lock (_gate) _faults.Add((action, nth, fault));
    }

    /// <summary>Holds the next call of <paramref name="action"/> before it reaches the account until the pause is released.</summary>
    public AwsPause Pause(string action)
    {
        var pause = new AwsPause();
        lock (_gate) _pauses.Add((action, pause));
        return pause;
    }

    public FakeGroup AddGroup(string groupName, params string[] policyArns)
    {
        var group = new FakeGroup(groupName);
        group.AttachedPolicyArns.AddRange(policyArns);
        lock (_gate) GroupsByName.Add(groupName, group);
        return group;
    }

    /// <summary>A customer-managed policy; returns its ARN.</summary>
    public string AddManagedPolicy(string policyName)
    {
        var arn = $"arn:aws:iam::{Account}:policy/{policyName}";
        lock (_gate) ManagedPolicyArns.Add(arn);
        return arn;
    }

    /// <summary>A role any caller of this account may assume, for up to <paramref name="maxSession"/> (AWS's default: 1 h); returns its ARN.</summary>
    public string AddRole(string roleName, TimeSpan? maxSession = null)
    {
        var arn = $"arn:aws:iam::{Account}:role/{roleName}";
        lock (_gate) RolesByArn.Add(arn, new FakeRole(roleName, NewId("AROA", 17), maxSession ?? TimeSpan.FromHours(1)));
        return arn;
    }

    internal FakeUser AddUser(string userName, string path = "/", string? permissionsBoundaryArn = null)
    {
        var user = new FakeUser(userName, path, NewId("AIDA", 17), $"arn:aws:iam::{Account}:user{path}{userName}", Time.GetUtcNow())
        {
            PermissionsBoundaryArn = permissionsBoundaryArn,
        };
        UsersByName.Add(userName, user);
        return user;
    }

    /// <summary>
    /// Runs one call: records it, applies any scripted fault, finds who signed it (InvalidClientTokenId or
    /// ExpiredToken as AWS answers an unknown or expired key) and turns a <see cref="FakeAwsError"/> into the
    /// AwsServiceException the Query client would throw.
    /// </summary>
    internal async Task<T> CallAsync<T>(
        string service, string action, string? userName, Func<CancellationToken, ValueTask<AwsCredentials>> signer,
        Func<FakeCaller, T> act, CancellationToken ct)
    {
        var credentials = await signer(ct).ConfigureAwait(false);
        AwsPause? pause = null;
        lock (_gate)
        {
            var i = _pauses.FindIndex(p => p.Action == action);
            if (i >= 0)
            {
                pause = _pauses[i].Pause;
                _pauses.RemoveAt(i);
            }
        }

        if (pause is not null)
        {
            await pause.HoldAsync(ct).ConfigureAwait(false);
        }

        ct.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _calls.Add(new AwsCall(action, userName, credentials.AccessKeyId));
            var nth = _callCounts[action] = _callCounts.GetValueOrDefault(action) + 1;
            var fault = _faults.Where(f => f.Action == action && (f.Nth is null || f.Nth == nth)).Select(f => (AwsFault?)f.Fault).FirstOrDefault();
            switch (fault)
            {
                case AwsFault.ServiceFailure:
                    throw ServiceException(service, action, new FakeAwsError(500, "ServiceFailure",
                        "Request processing has failed due to some unknown error, exception or failure."));
                case AwsFault.NoAnswer:
                    throw NoAnswer(service, action, HttpRequestError.ConnectionError, "Connection refused");
            }

            T Once()
            {
                try
                {
                    return act(CallerOf(credentials));
                }
                catch (FakeAwsError error)
                {
                    throw ServiceException(service, action, error);
                }
            }

            if (fault == AwsFault.AnswerLostThenRetried)
            {
                try
                {
                    Once();
                }
                catch (AwsServiceException)
                {
                    // That answer was lost too; only the retry's is seen.
                }

                try
                {
                    return Once();
                }
                catch (AwsServiceException retried)
                {
                    retried.AfterUncertainAttempt = true;
                    throw;
                }
            }

            var result = Once();
            return fault switch
            {
                AwsFault.AnswerLost => throw NoAnswer(service, action, HttpRequestError.ResponseEnded, "The response ended prematurely."),
                AwsFault.Garbage => throw new InvalidDataException($"The AWS response has no <{action}Result> in <{action}Response>."),
                _ => result,
            };
        }
    }

    private FakeCaller CallerOf(AwsCredentials credentials)
    {
        foreach (var user in UsersByName.Values)
        {
            if (user.AccessKeys.Any(k => k.AccessKeyId == credentials.AccessKeyId && k.SecretAccessKey == credentials.SecretAccessKey))
            {
                return new FakeCaller(user.Arn, user.UserId, user, null);
            }
        }

        if (SessionsByKey.TryGetValue(credentials.AccessKeyId, out var session)
            && session.Credentials.SecretAccessKey == credentials.SecretAccessKey && session.Credentials.SessionToken == credentials.SessionToken)
        {
            return session.Credentials.Expiration > Time.GetUtcNow()
                ? new FakeCaller(session.Arn, session.UserId, null, session)
                : throw new FakeAwsError(403, "ExpiredToken", "The security token included in the request is expired");
        }

        throw new FakeAwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    }

    private static AwsServiceException ServiceException(string service, string action, FakeAwsError error) =>
        new(service, action, error.Code, error.Message, error.Status, Guid.NewGuid().ToString(), isSender: error.Status < 500);

    private static AwsTransportException NoAnswer(string service, string action, HttpRequestError kind, string message) =>
        new(service, action, attempts: 1, new HttpRequestException(kind, message));

    internal static string NewId(string prefix, int randomLength) =>
        prefix + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", randomLength);

    internal static string NewSecret(int length = 40) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", length);
}

/// <summary>A call held by <see cref="FakeAws.Pause"/>: <see cref="Reached"/> completes when it arrives; it goes on at <see cref="Release"/>.</summary>
public sealed class AwsPause
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    internal async Task HoldAsync(CancellationToken ct)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(ct).ConfigureAwait(false);
    }
}

internal sealed record FakeRole(string RoleName, string RoleId, TimeSpan MaxSession);

/// <summary>Who signed a call: an IAM user's access key, or an STS session's.</summary>
internal sealed record FakeCaller(string Arn, string UserId, FakeUser? User, FakeSession? Session);

/// <summary>An AWS error as an action states it; <see cref="FakeAws"/> adds the service, action and request id.</summary>
internal sealed class FakeAwsError(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static FakeAwsError NoSuchEntity(string message) => new(404, "NoSuchEntity", message);
    public static FakeAwsError AlreadyExists(string message) => new(409, "EntityAlreadyExists", message);
    public static FakeAwsError DeleteConflict(string message) => new(409, "DeleteConflict", message);
    public static FakeAwsError LimitExceeded(string message) => new(409, "LimitExceeded", message);
    public static FakeAwsError InvalidInput(string message) => new(400, "InvalidInput", message);
    public static FakeAwsError Validation(string message) => new(400, "ValidationError", "1 validation error detected: " + message);
    public static FakeAwsError AccessDenied(string message) => new(403, "AccessDenied", message);
}
