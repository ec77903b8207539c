using System.Globalization;
using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Tests.Fakes;

/// <summary>
/// STS on a <see cref="FakeAws"/> account, signed by one set of credentials. The credentials it issues expire
/// exactly the duration asked for after the account's clock (in whole seconds, as STS answers), and sign later
/// calls until then.
/// </summary>
public sealed class FakeSts(FakeAws aws, Func<CancellationToken, ValueTask<AwsCredentials>> signer) : IStsApi
{
    private static readonly TimeSpan MaxRoleSession = TimeSpan.FromHours(12);
    private static readonly TimeSpan MaxTokenSession = TimeSpan.FromHours(36);

    private Task<T> Call<T>(string action, Func<FakeCaller, T> act, CancellationToken ct) =>
        aws.CallAsync("sts", action, null, signer, act, ct);

    public Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken ct = default) =>
        Call("GetCallerIdentity", caller => new CallerIdentity(FakeAws.Account, caller.Arn, caller.UserId), ct);

    public Task<StsCredentials> AssumeRoleAsync(StsRequest request, string roleArn, string roleSessionName, string? externalId, CancellationToken ct = default) =>
        Call("AssumeRole", caller =>
        {
            CheckDuration(request.Duration, MaxRoleSession);
            // AWS answers a role that does not exist as one that does not trust the caller.
            var role = aws.RolesByArn.GetValueOrDefault(roleArn)
                ?? throw FakeAwsError.AccessDenied($"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}");
            if (request.Duration > role.MaxSession)
            {
                throw new FakeAwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
            }

            var arn = $"arn:aws:sts::{FakeAws.Account}:assumed-role/{role.RoleName}/{roleSessionName}";
            return Issue(request.Duration, arn, $"{role.RoleId}:{roleSessionName}", principalArn: arn);
        }, ct);

    public Task<StsCredentials> GetFederationTokenAsync(StsRequest request, string name, CancellationToken ct = default) =>
        Call("GetFederationToken", caller =>
        {
            CheckDuration(request.Duration, MaxTokenSession);
            LongTermCaller(caller, "GetFederationToken");
            var arn = $"arn:aws:sts::{FakeAws.Account}:federated-user/{name}";
            return Issue(request.Duration, arn, $"{FakeAws.Account}:{name}", principalArn: arn);
        }, ct);

    public Task<StsCredentials> GetSessionTokenAsync(TimeSpan duration, string? serialNumber, string? tokenCode, CancellationToken ct = default) =>
        Call("GetSessionToken", caller =>
        {
            CheckDuration(duration, MaxTokenSession);
            var user = LongTermCaller(caller, "GetSessionToken");
            return Issue(duration, user.Arn, user.UserId, principalArn: null);
        }, ct);

    private StsCredentials Issue(TimeSpan duration, string arn, string userId, string? principalArn)
    {
        var now = aws.Time.GetUtcNow();
        var expiration = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) + duration;
        var credentials = new StsCredentials(FakeAws.NewId("ASIA", 16), FakeAws.NewSecret(), FakeAws.NewSecret(356), expiration, principalArn);
        aws.SessionsByKey.Add(credentials.AccessKeyId, new FakeSession(credentials, arn, userId));
        return credentials;
    }

    /// <summary>GetFederationToken and GetSessionToken take an IAM user's own key, not temporary credentials.</summary>
    private static FakeUser LongTermCaller(FakeCaller caller, string action) =>
        caller.User ?? throw FakeAwsError.AccessDenied($"Cannot call {action} with session credentials");

    private static void CheckDuration(TimeSpan duration, TimeSpan max)
    {
        var seconds = ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (duration < TimeSpan.FromMinutes(15))
        {
            throw FakeAwsError.Validation($"Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
        }

        if (duration > max)
        {
            throw FakeAwsError.Validation($"Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {(long)max.TotalSeconds}");
        }
    }
}
