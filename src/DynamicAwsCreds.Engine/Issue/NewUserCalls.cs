using DynamicAwsCreds.Engine.Aws;

namespace DynamicAwsCreds.Engine.Issue;

/// <summary>
/// The calls an issue makes on the user its CreateUser has just made. A NoSuchEntity answer is retried within the
/// propagation budget while no call has found the user yet, and whenever AWS's message names the user; once a call
/// has found the user, a NoSuchEntity about something else (a policy or group that does not exist) fails at once.
/// </summary>
internal sealed class NewUserCalls(string userName, IamPropagation propagation)
{
    private volatile bool _userFound;

    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var retry = 0; ; retry++)
        {
            TimeSpan wait;
            try
            {
                var result = await call().ConfigureAwait(false);
                _userFound = true;
                return result;
            }
            catch (AwsServiceException ex) when (ex.IsNoSuchEntity && (!_userFound || NamesUser(ex)) && propagation.NextWait(retry) is { } next)
            {
                wait = next;
            }

            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
    }

    public Task RunAsync(Func<Task> call, CancellationToken ct) =>
        RunAsync(async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, ct);

    private bool NamesUser(AwsServiceException ex) => ex.AwsMessage.Contains(userName, StringComparison.OrdinalIgnoreCase);
}
