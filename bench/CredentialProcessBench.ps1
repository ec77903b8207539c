#Requires -Version 7.4
<#
.SYNOPSIS
    The credential_process part of the benchmark: the native helper (native/<rid>/ in the built module) on a warm
    cache and on a miss, beside the PowerShell start it saves. Invoke-Bench.ps1 runs it and turns what it returns
    into the rows credential-process-hit, pwsh-start and credential-process-miss; run alone it prints its figures.
.DESCRIPTION
    Starts its own LocalAws with --latency-ms -LatencyMs, makes a store (a fresh pwsh: Enable-SecretsEngine,
    Set-AwsRootConfig, one role per miss run and one for the hits), then:

      hit         -Runs helper runs on a warm cache, with --pwsh /nonexistent, so a run that did not answer from the
                  cache by itself fails and is counted, never timed as a hit. Interleaved with
      pwsh-start  -Runs of `pwsh -NoProfile -Command '$null'`, the same pwsh every other row starts (Invoke-Pwsh).
      miss        -MissRuns helper runs, each for a role nobody asked for yet (no cache entry, no lease), so each one
                  hands over to PowerShell, which issues a lease: the helper's whole hand-over path.

    Every lease is revoked at the end; a call that failed or a lease not revoked is counted in failed. Each run is
    timed from the process start to its exit. Returns { helper, hit, pwsh_start, miss, revoked } (medians and
    sorted samples in ms), or $null when the build made no helper for this machine.
.EXAMPLE
    dotnet pwsh bench/CredentialProcessBench.ps1 -ModulePath out/DynamicAwsCreds -Runs 20 -MissRuns 5
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $LocalAwsDll,
    [int] $LatencyMs = 50,
    [int] $Runs = 20,
    [int] $MissRuns = 10
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
Import-Module (Join-Path $PSScriptRoot '../tests/Common/DynamicAwsCreds.TestHost.psm1') -Force

$helper = Get-CredentialProcessHelper -ModulePath $ModulePath
if (-not $helper) {
    Write-Host "   [CredentialProcess] no native helper was built for $(Get-PortableRid): its rows are left out" -ForegroundColor Yellow
    return $null
}
$dll = Join-Path $PSHOME 'pwsh.dll'
$pwsh = if (Test-Path -LiteralPath $dll) { $dll } else { [Environment]::ProcessPath }

function Get-Median([double[]] $Values) {
    if (-not $Values) { return [double]::NaN }
    $s = [double[]]($Values | Sort-Object)
    $m = [int][Math]::Floor($s.Count / 2)
    if ($s.Count % 2) { $s[$m] } else { ($s[$m - 1] + $s[$m]) / 2 }
}
function Get-Sorted([double[]] $Values) { @($Values | Sort-Object | ForEach-Object { [Math]::Round($_, 1) }) }

# One helper run for -Role, timed from its start to its exit; $null AccessKeyId when it gave no credential_process JSON.
function Measure-Helper([string] $Role, [string] $PwshPath) {
    $info = [Diagnostics.ProcessStartInfo]::new($helper)
    foreach ($a in '--role', $Role, '--pwsh', $PwshPath) { $info.ArgumentList.Add($a) }
    $info.Environment['DYNAMICAWSCREDS_STORE'] = $store
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $info.RedirectStandardError = $true
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($info)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $clock.Stop()
    $key = $null
    if ($p.ExitCode -eq 0) { try { $key = ($out.Result | ConvertFrom-Json).AccessKeyId } catch { $key = $null } }
    if (-not $key) { Write-Host "   helper --role $Role failed (exit $($p.ExitCode)): $($err.Result.Trim())" -ForegroundColor Red }
    [pscustomobject]@{ Milliseconds = $clock.Elapsed.TotalMilliseconds; AccessKeyId = $key }
    $p.Dispose()
}

function Invoke-StorePwsh([string] $Command) {
    $run = Invoke-Pwsh -Command "Import-Module '$($ModulePath -replace "'", "''")'; $Command" -Environment @{ DYNAMICAWSCREDS_STORE = $store }
    if ($run.ExitCode -ne 0) { throw "'$Command' failed (exit $($run.ExitCode)): $($run.StdErr)$($run.StdOut)" }
    $run.StdOut
}

$work = Join-Path ([IO.Path]::GetTempPath()) "dac-bench-cp-$([guid]::NewGuid().ToString('n'))"
$store = Join-Path $work 'store.db'
$server = Start-LocalAws -LocalAwsDll $LocalAwsDll -ArgumentList '--latency-ms', $LatencyMs
try {
    $missRoles = @(1..$MissRuns | ForEach-Object { "miss$_" })
    $roles = (@('hit') + $missRoles | ForEach-Object { "Set-AwsRole $_ -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess" }) -join '; '
    $null = Invoke-StorePwsh ("Enable-SecretsEngine aws | Out-Null; Set-AwsRootConfig -AccessKey '$($server.RootAccessKey)' -SecretKey '$($server.RootSecretKey)' " +
        "-IamEndpoint '$($server.Endpoint)' -StsEndpoint '$($server.Endpoint)'; $roles")

    # Warm: the first call hands over and caches; one more is the warm-up hit, one bare pwsh the warm-up start.
    $warm = (Measure-Helper 'hit' $pwsh).AccessKeyId
    $null = Measure-Helper 'hit' '/nonexistent'
    $null = Invoke-Pwsh -Command '$null'
    $hits = [Collections.Generic.List[double]]::new()
    $starts = [Collections.Generic.List[double]]::new()
    $hitFailed = if ($warm) { 0 } else { 1 }
    for ($i = 0; $i -lt $Runs; $i++) {
        $hit = Measure-Helper 'hit' '/nonexistent'
        if ($hit.AccessKeyId -and $hit.AccessKeyId -eq $warm) { $hits.Add($hit.Milliseconds) } else { $hitFailed++ }
        $start = Invoke-Pwsh -Command '$null'
        if ($start.ExitCode -eq 0) { $starts.Add($start.Milliseconds) }
    }

    $misses = [Collections.Generic.List[double]]::new()
    $missFailed = 0
    foreach ($role in $missRoles) {
        $miss = Measure-Helper $role $pwsh
        if ($miss.AccessKeyId) { $misses.Add($miss.Milliseconds) } else { $missFailed++ }
    }
    $revoked = [int](Invoke-StorePwsh '(Revoke-Lease -Prefix aws/ -Force).Revoked')
}
finally {
    Stop-LocalAws $server
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

$issued = ($warm ? 1 : 0) + $misses.Count
$result = [pscustomobject]@{
    helper     = $helper
    hit        = [pscustomobject]@{ runs = $hits.Count; median_ms = (Get-Median $hits); total_ms = ($hits | Measure-Object -Sum).Sum; samples_ms = (Get-Sorted $hits); failed = $hitFailed }
    pwsh_start = [pscustomobject]@{ runs = $starts.Count; median_ms = (Get-Median $starts); samples_ms = (Get-Sorted $starts) }
    miss       = [pscustomobject]@{ runs = $misses.Count; median_ms = (Get-Median $misses); samples_ms = (Get-Sorted $misses); failed = $missFailed }
    issued     = $issued
    revoked    = $revoked
}
Write-Host ("   [CredentialProcess] hit median {0:0.0} ms, pwsh start median {1:0} ms, {2} hits together {3:0} ms vs 2 pwsh starts {4:0} ms; miss median {5:0} ms; {6} leases issued, {7} revoked" -f `
        $result.hit.median_ms, $result.pwsh_start.median_ms, $hits.Count, $result.hit.total_ms, (2 * $result.pwsh_start.median_ms), $result.miss.median_ms, $issued, $revoked) -ForegroundColor DarkGray
$result
