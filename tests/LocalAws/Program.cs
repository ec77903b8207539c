using System.Globalization;
using System.Runtime.InteropServices;
using LocalAws;

const string Usage = """
Usage: LocalAws --port <n> [--root-access-key <id> --root-secret-key <secret>] [--account-id <12 digits>]
                [--latency-ms <n>] [--delay <Action>:<ms>]... [--fail <Action>[:<nth>]]... [--drop <Action>[:<nth>]]... [--lose-answer <Action>[:<nth>]]... [--garbage <Action>[:<nth>]]...
                [--throttle-rps <n>] [--clock-offset <duration: 90s, 2h, -1h, 01:00:00>] [--key-propagation-ms <n>]
                [--consistency-delay-ms <n>] [--container-auth-token <token>] [--root-policy <file>]
                [--kms-key alias/<name>[@<region>]]...
Serves IAM and STS (AWS Query protocol, SigV4) and KMS (see --kms-key) on http://127.0.0.1:<port>/ until stdin closes, SIGTERM or Ctrl+C.
Also serves the ECS/EKS container credentials endpoint: GET http://127.0.0.1:<port>/container-credentials/[<role>]
returns AssumeRole credentials (1 h) for the role (default localaws-container-role, AdministratorAccess, created on
first use); set AWS_CONTAINER_CREDENTIALS_FULL_URI to it (and AWS_CONTAINER_AUTHORIZATION_TOKEN to --container-auth-token).

  --root-policy <file>        The root key's IAM policy (JSON), evaluated as AWS does, instead of AdministratorAccess.
  --kms-key alias/<name>[@r]  Makes a symmetric KMS key with that alias in region r (default us-east-1) at start.
                              KMS (JSON 1.1 protocol, X-Amz-Target TrentService.<Operation>, SigV4 service kms) serves
                              CreateKey, CreateAlias, DescribeKey, EnableKey, DisableKey, Encrypt and Decrypt on the
                              same port, authorised as kms:<Operation> on the key by the caller's IAM policies.
  --lose-answer <Action>[:n]  The call is carried out, then the connection is closed without an answer.
  --garbage <Action>[:n]      The call is carried out and answered 200 with half of its XML (not the documented shape).
  --key-propagation-ms <n>    A new access key is refused (InvalidClientTokenId 403) for n ms after CreateAccessKey.
  --consistency-delay-ms <n>  IAM's eventual consistency: a new user, and a managed or inline policy, group membership
                              or access key added to a user, reaches later calls only after its own random 0..n ms.
                              Until then calls naming it answer NoSuchEntity 404, Lists leave it out and GetUserPolicy
                              returns the policy's previous document; IAM's checks on what is committed (a name in
                              use, DeleteConflict, quotas) count it at once. Deletions are seen at once. Signing in
                              with a new key is governed by --key-propagation-ms alone.
""";

var options = new LocalAwsOptions();
try
{
    for (var i = 0; i < args.Length; i++)
    {
        var arg = args[i];
        string Value()
        {
            if (i + 1 >= args.Length)
            {
                throw new FormatException($"Option {arg} needs a value.");
            }

            return args[++i];
        }

        int Int(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw new FormatException($"Option {arg} needs a non-negative integer, not '{text}'.");

        switch (arg)
        {
            case "--port":
                options.Port = Int(Value());
                break;
            case "--root-access-key":
                options.RootAccessKeyId = Value();
                break;
            case "--root-secret-key":
                options.RootSecretAccessKey = Value();
                break;
            case "--account-id":
                options.AccountId = Value();
                break;
            case "--latency-ms":
                options.LatencyMs = Int(Value());
                break;
            case "--delay":
                {
                    var v = Value();
                    var colon = v.LastIndexOf(':');
                    if (colon <= 0)
                    {
                        throw new FormatException($"--delay needs <Action>:<ms>, not '{v}'.");
                    }

                    options.DelayMs[v[..colon]] = Int(v[(colon + 1)..]);
                    break;
                }

            case "--fail":
                options.Fail.Add(FaultRule.Parse(Value()));
                break;
            case "--drop":
                options.Drop.Add(FaultRule.Parse(Value()));
                break;
            case "--lose-answer":
                options.LoseAnswer.Add(FaultRule.Parse(Value()));
                break;
            case "--garbage":
                options.Garbage.Add(FaultRule.Parse(Value()));
                break;
            case "--throttle-rps":
                {
                    var v = Value();
                    options.ThrottleRps = double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var rps) && rps >= 0
                        ? rps
                        : throw new FormatException($"--throttle-rps needs a non-negative number, not '{v}'.");
                    break;
                }

            case "--clock-offset":
                options.ClockOffset = LocalAwsOptions.ParseDuration(Value());
                break;
            case "--key-propagation-ms":
                options.KeyPropagationMs = Int(Value());
                break;
            case "--consistency-delay-ms":
                options.ConsistencyDelayMs = Int(Value());
                break;
            case "--container-auth-token":
                options.ContainerAuthorizationToken = Value();
                break;
            case "--kms-key":
                options.KmsKeys.Add(LocalAwsOptions.ParseKmsKey(Value()));
                break;
            case "--root-policy":
                {
                    var file = Value();
                    try
                    {
                        options.RootPolicy = File.ReadAllText(file);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new FormatException($"--root-policy: cannot read '{file}': {e.Message}");
                    }

                    break;
                }

            case "-h" or "--help" or "-?":
                Console.Out.Write(Usage);
                return 0;
            default:
                throw new FormatException($"Unknown option '{arg}'.");
        }
    }
}
catch (FormatException e)
{
    Console.Error.WriteLine("LocalAws: " + e.Message);
    Console.Error.Write(Usage);
    return 2;
}

if (options.Port > 65535)
{
    Console.Error.WriteLine("LocalAws: --port must be 0..65535.");
    return 2;
}

LocalAwsServer server;
try
{
    server = await LocalAwsServer.StartAsync(options);
}
catch (IOException e)
{
    Console.Error.WriteLine($"LocalAws: cannot listen on 127.0.0.1:{options.Port}: {e.Message}");
    return 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("LocalAws: " + e.Message);
    return 2;
}

await using (server)
{
    var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
    {
        c.Cancel = true;
        stop.TrySetResult();
    });
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
    {
        c.Cancel = true;
        stop.TrySetResult();
    });

    Console.Out.WriteLine($"LocalAws listening on http://127.0.0.1:{server.Port}");
    Console.Out.WriteLine($"Root access key: {options.RootAccessKeyId}");
    Console.Out.Flush();

    // Stop when stdin closes, unless stdin is /dev/null (a background job), where it would close at once.
    if (!StdinIsDevNull())
    {
        _ = Task.Run(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            stop.TrySetResult();
        });
    }

    await stop.Task;
}

return 0;

static bool StdinIsDevNull()
{
    try
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var target = new FileInfo("/proc/self/fd/0").LinkTarget ?? new FileInfo("/dev/fd/0").LinkTarget;
        return target == "/dev/null";
    }
    catch (IOException)
    {
        return false;
    }
    catch (UnauthorizedAccessException)
    {
        return false;
    }
}
