using DynamicAwsCreds.CredentialProcess;

// dynamicawscreds-credential-process --role <name> [--mount <path>] [--store <location>] [--pwsh <path>]
// A cache hit is answered here, starting no other process; anything else is handed over to PowerShell (HandOver).
// Nothing but the credential_process JSON goes to stdout; the helper's own errors are one plain line on stderr.
try
{
    var request = HelperArguments.Parse(args);
    var site = CacheSite.For(request);
    if (CachedAnswer.TryRead(site, request, DateTimeOffset.UtcNow) is { } answer)
    {
        CredentialProcessOutput.Write(answer);
        return 0;
    }

    return HandOver.Run(request, site);
}
catch (HelperException ex)
{
    Console.Error.WriteLine(ex.Line);
    return ex.ExitCode;
}
catch (Exception ex)
{
    Console.Error.WriteLine(new HelperException("Unexpected", $"{ex.GetType().Name}: {ex.Message}").Line);
    return HelperException.FailureExitCode;
}
