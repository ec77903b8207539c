#Requires -Version 7.4
<#
.SYNOPSIS
    The DynamicAwsCreds benchmark (build.ps1 -Task Bench): issue, revoke, prefix revoke, store and cold start,
    against LocalAws with added latency, each as a ratio to its round-trip floor.
.DESCRIPTION
    Starts LocalAws with --latency-ms 50 (and a second one with 0 for a cross-check), creates the IAM group the
    role uses, then runs the built module in fresh pwsh processes (bench/BenchSession.ps1), each timing cmdlet
    calls with a Stopwatch around the call after a warm-up, with DYNAMICAWSCREDS_STORE on a temporary store:

      issue                     Get-AwsCredential for a role with 3 policy ARNs, a policy document and 1 group.
                                Floor: 2 round trips (CreateUser, then everything else at once).
      revoke                    Revoke-Lease <id> of one such lease. Floor: 3 round trips (Lists, removals, DeleteUser).
      revoke-prefix             Revoke-Lease -Prefix over N such leases, -ThrottleLimit 16. Floor: N x 3 RTT / 16.
      revoke-prefix-sequential  The same with -ThrottleLimit 1: this module's revoke one lease at a time (a comparison
                                row, not Vault's way: each revoke still sends its calls in 3 rounds). Floor: N x 3 RTT.
      vault-order-issue         Vault's iam_user issue calls for issue's role, one at a time in Vault's order (CreateUser,
                                each AttachUserPolicy, PutUserPolicy, each AddUserToGroup, TagUser when tagged,
                                CreateAccessKey), the engine's IAM client, same LocalAws (bench/BenchTool vault-order).
                                Floor: one round trip per call. Speed-up = its median / issue's median.
      vault-order-revoke        Vault's revoke of such a user, one call at a time: the four Lists, each removal,
                                DeleteUser. Floor: one round trip per call. Speed-up = its median / revoke's median.
      store-lookup              Get-Lease -Prefix matching 10 leases among 100 000 written straight into the store
                                (bench/BenchTool: ILeaseStore.ImportLeases). Floor 0; ratio = median / 5 ms.
      store-share               The store's part of one issue: the store calls an issue makes (GetMount x2, GetRole,
                                GetRootConfig, ListPendingLeases, GetLeaseConfig, InsertLeaseUnderEnabledMount,
                                MarkUserCreated, ActivateLease), replayed through the engine's store (bench/BenchTool)
                                on the same store. Floor 0; ratio = median / 2 ms.
      issue-shared              Get-AwsCredential on the shared store (a DynamoDB table in dynalite, local) for a role
                                like issue's, root credentials from the default chain. Floor: 2 round trips + the
                                intent write (before CreateUser) + the activation (after CreateAccessKey), both timed
                                alone on the same table in the same run (bench/BenchTool store-writes). Also: the
                                DynamoDB request units of an issue and a revoke (bench/BenchTool ddb-meter).
      cold-start                A new pwsh running Import-Module + Get-Lease against a bare pwsh (-Command '$null'),
                                interleaved. Floor: the bare pwsh median; the module's own cost (import, first command)
                                is printed in ms beside the ratio.
      credential-process-hit    The native credential_process helper on a warm cache, -CredentialProcessRuns runs
                                (bench/CredentialProcessBench.ps1), beside
      pwsh-start                as many bare pwsh starts (-Command '$null'), interleaved. Ratio hit / pwsh-start,
                                target <= 0.1; also the total of the hits beside two pwsh starts.
      credential-process-miss   The helper handing a request with no cache entry over to PowerShell, which issues.
                                Floor: the issue floor (2 round trips) + the pwsh-start median.

    A row in which a call failed, a lease was not issued or not revoked, or whose session died, is reported as FAILED
    with no ratio, and the script exits 1.

    Engine overhead per issue = the issue median - the median critical path of the IAM calls the module reports
    with -Verbose ("AWS IAM CreateUser …: 200 in 52 ms"; CreateUser + the slowest of the calls sent together after
    it). Target <= 10 ms. Also shown: the engine called without the cmdlet layer (bench/BenchTool), and an issue at
    --latency-ms 0.

    -ColdStartOnly measures only cold-start (no LocalAws, dynalite or sessions; the store is a new one), for a quick
    look at the module's start-up cost.

    Prints the table and writes -ResultFile as a JSON list of {scenario, runs, median_ms, floor_ms, ratio, failed, ...}.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $LocalAwsDll,
    [string] $ResultFile = (Join-Path $PSScriptRoot 'results.json'),
    [int] $LatencyMs = 50,
    [int] $Runs = 25,
    [int] $PrefixLeases = 1000,
    [int] $LookupTotal = 100000,
    [int] $ColdRuns = 15,
    # Runs of the native credential_process helper on a warm cache (and of bare pwsh beside them), and on a miss.
    [int] $CredentialProcessRuns = 20,
    [int] $CredentialProcessMissRuns = 10,
    # More arguments for the LocalAws with added latency, e.g. '--fail', 'DeleteUser' to see a failing run reported.
    [string[]] $LocalAwsArgument = @(),
    # The build of bench/BenchTool to run.
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Only the cold-start row: no LocalAws, dynalite or bench sessions; the store is new (made by the untimed first run).
    [switch] $ColdStartOnly
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$benchStart = [Diagnostics.Stopwatch]::StartNew()
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
Import-Module (Join-Path $PSScriptRoot '../tests/Common/DynamicAwsCreds.TestHost.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../tests/Pester/LocalAws.psm1') -Force

$Session = Join-Path $PSScriptRoot 'BenchSession.ps1'
$BenchTool = Get-BuildOutput bench/BenchTool/BenchTool.csproj -Configuration $Configuration
$Work = Join-Path ([IO.Path]::GetTempPath()) "dac-bench-$([guid]::NewGuid().ToString('n'))"
New-Item -ItemType Directory -Path $Work -Force | Out-Null

function Get-Median([double[]] $Values) {
    $s = [double[]]($Values | Sort-Object)
    $m = [int][Math]::Floor($s.Count / 2)
    if ($s.Count % 2) { $s[$m] } else { ($s[$m - 1] + $s[$m]) / 2 }
}

function Invoke-Session([string] $Part, [string] $StorePath, [hashtable] $Arguments = @{}) {
    $out = Join-Path $Work "$Part.json"
    $argList = @('-Part', $Part, '-ModulePath', $ModulePath, '-StorePath', $StorePath, '-OutFile', $out, '-BenchTool', $BenchTool)
    foreach ($k in $Arguments.Keys) { $argList += "-$k"; $argList += [string]$Arguments[$k] }
    $run = Invoke-Pwsh -Stream -File $Session -ArgumentList $argList
    if ($run.ExitCode -ne 0) {
        # Its rows are reported as failed; the other sessions still run.
        Write-Host "   [$Part] the session failed (exit code $($run.ExitCode)): $($run.StdErr)" -ForegroundColor Red
        $script:FailedParts += $Part
        return $null
    }
    Write-Host ("   [{0}] done in {1:0.0} s" -f $Part, ($run.Milliseconds / 1000)) -ForegroundColor DarkGray
    Get-Content $out -Raw | ConvertFrom-Json
}
$FailedParts = @()

# Fills a new store with $LookupTotal leases through the engine's store (bench/BenchTool).
function Invoke-Fill([string] $StorePath) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $json = & dotnet $BenchTool fill --store $StorePath --total $LookupTotal --matching 10
    if ($LASTEXITCODE -ne 0) { throw "BenchTool fill failed (exit code $LASTEXITCODE)." }
    Write-Host ("   [Fill] done in {0:0.0} s" -f $sw.Elapsed.TotalSeconds) -ForegroundColor DarkGray
    $json | ConvertFrom-Json
}

# bench/BenchTool ddb-meter in front of dynalite: a proxy that adds up the request units of every call through it.
function Start-DdbMeter([string] $Target) {
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $BenchTool, 'ddb-meter', '--target', $Target) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^ddb-meter listening on (http://\S+)$') { $process.Kill(); throw "BenchTool ddb-meter did not start: $line" }
    $process | Add-Member -NotePropertyName Endpoint -NotePropertyValue $Matches[1] -PassThru
}

# A new pwsh running $Command, timed from its start to its exit.
function Measure-Process([string] $Command, [hashtable] $Environment) {
    $run = Invoke-Pwsh -Command $Command -Environment $Environment
    if ($run.ExitCode -ne 0) { throw "'$Command' failed (exit $($run.ExitCode)): $($run.StdErr)$($run.StdOut)" }
    $run.Milliseconds
}

$servers = @()
$a = $z = $f = $l = $sh = $cp = $meterProcess = $null
$cpRan = $true
try {
    if (-not $ColdStartOnly) {
        Write-Host "== Bench: LocalAws with --latency-ms $LatencyMs, module $ModulePath, $([Environment]::ProcessorCount) cores" -ForegroundColor Cyan
        $server = Start-LocalAws -LocalAwsDll $LocalAwsDll -ArgumentList (@('--latency-ms', $LatencyMs) + $LocalAwsArgument)
        $servers += $server
        $zero = Start-LocalAws -LocalAwsDll $LocalAwsDll -ArgumentList '--latency-ms', 0
        $servers += $zero
        $dynamo = Start-Dynalite
        $servers += $dynamo
        $meterProcess = Start-DdbMeter $dynamo.Endpoint
        foreach ($s in $server, $zero) { $null = Invoke-LocalIam -Server $s -Action CreateGroup -Parameters @{ GroupName = 'bench-group' } }

        $storeA = Join-Path $Work 'aws/store.db'
        $storeZ = Join-Path $Work 'zero/store.db'
        $storeB = Join-Path $Work 'lookup/store.db'
        $keys = { param($s) @{ Endpoint = $s.Endpoint; AccessKey = $s.RootAccessKey; SecretKey = $s.RootSecretKey } }

        Write-Host '-- issue, revoke, engine overhead, store-share, revoke-prefix (fresh pwsh)' -ForegroundColor Cyan
        $a = Invoke-Session Aws $storeA ((& $keys $server) + @{ Runs = $Runs; PrefixLeases = $PrefixLeases })
        Write-Host '-- issue at --latency-ms 0 (fresh pwsh)' -ForegroundColor Cyan
        $z = Invoke-Session Zero $storeZ ((& $keys $zero) + @{ Runs = $Runs })
        Write-Host "-- store-lookup: $LookupTotal leases written with ILeaseStore.ImportLeases, then Get-Lease -Prefix (fresh pwsh)" -ForegroundColor Cyan
        $f = Invoke-Fill $storeB
        $l = Invoke-Session Lookup $storeB @{ Runs = $Runs }
        Write-Host '-- issue-shared: the shared store in dynalite, IAM in LocalAws (fresh pwsh)' -ForegroundColor Cyan
        $storeS = "dynamodb://dac-bench-shared?region=us-east-1&endpoint=$($dynamo.Endpoint)"
        $sh = Invoke-Session Shared $storeS ((& $keys $server) + @{ Runs = $Runs; DynamoEndpoint = $dynamo.Endpoint; MeterEndpoint = $meterProcess.Endpoint })
    }
    else { $storeA = Join-Path $Work 'aws/store.db' }

    Write-Host "-- cold-start: $ColdRuns x (pwsh -NoProfile -Command 'Import-Module …; Get-Lease | Out-Null') vs bare pwsh (… '`$null'), interleaved with Import-Module alone" -ForegroundColor Cyan
    $importCommand = "Import-Module '$($ModulePath -replace "'", "''")'; Get-Lease | Out-Null"
    $envA = @{ DYNAMICAWSCREDS_STORE = $storeA }
    $null = Measure-Process '$null' $envA
    $null = Measure-Process $importCommand $envA
    $coldModule = [Collections.Generic.List[double]]::new()
    $coldImport = [Collections.Generic.List[double]]::new()
    $coldBare = [Collections.Generic.List[double]]::new()
    $importOnly = "Import-Module '$($ModulePath -replace "'", "''")'"
    for ($i = 0; $i -lt $ColdRuns; $i++) {
        $coldBare.Add((Measure-Process '$null' $envA))
        $coldModule.Add((Measure-Process $importCommand $envA))
        $coldImport.Add((Measure-Process $importOnly $envA))
    }

    if (-not $ColdStartOnly) {
        Write-Host "-- credential_process: the native helper, $CredentialProcessRuns hits on a warm cache vs as many bare pwsh starts, interleaved; $CredentialProcessMissRuns misses handed over" -ForegroundColor Cyan
        try {
            $cp = & (Join-Path $PSScriptRoot 'CredentialProcessBench.ps1') -ModulePath $ModulePath -LocalAwsDll $LocalAwsDll -LatencyMs $LatencyMs `
                -Runs $CredentialProcessRuns -MissRuns $CredentialProcessMissRuns
            $cpRan = $true
        }
        catch {
            Write-Host "   [CredentialProcess] failed: $_" -ForegroundColor Red
            $cpRan = $false
        }
    }
}
finally {
    if ($meterProcess) { $meterProcess.StandardInput.Close(); if (-not $meterProcess.WaitForExit(5000)) { $meterProcess.Kill() } }
    foreach ($running in $servers) { Stop-LocalAws $running }
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

# ---- the table --------------------------------------------------------------------------------------
$rtt = $LatencyMs
# A row; with $Failed > 0 (calls that failed, leases not issued or not revoked) it has no ratio and fails the bench.
function Row([string] $Scenario, [int] $Runs, [double] $Median, [double] $Floor, [double] $Ratio, [double] $Target, [string] $TargetText, [hashtable] $Extra = @{}, [int] $Failed = 0) {
    $row = [ordered]@{
        scenario  = $Scenario
        runs      = $Runs
        median_ms = if ($Runs -gt 0) { [Math]::Round($Median, 2) } else { $null }
        floor_ms  = [Math]::Round($Floor, 2)
        ratio     = if ($Failed -gt 0) { $null } else { [Math]::Round($Ratio, 3) }
        target    = $TargetText
        failed    = $Failed
        ok        = if ($Failed -gt 0) { $false } elseif ($Target -gt 0) { $Ratio -le $Target } else { $null }
    }
    foreach ($k in $Extra.Keys | Sort-Object) { $row[$k] = $Extra[$k] }
    [pscustomobject]$row
}
# The row of a scenario whose session died: nothing was measured.
function FailedRow([string] $Scenario, [string] $TargetText, [string] $Part) {
    [pscustomobject][ordered]@{ scenario = $Scenario; runs = 0; median_ms = $null; floor_ms = $null; ratio = $null; target = $TargetText; failed = 1; ok = $false; session_failed = $Part }
}
function Round([double] $Value) { [Math]::Round($Value, 2) }
# A quotient of two figures that may be missing from a failed scenario: NaN then, never an error.
function Div([double] $Value, [double] $By) { $Value / $By }

$issueFloor = 2 * $rtt
$revokeFloor = 3 * $rtt
$prefixFloor = $PrefixLeases * 3 * $rtt / 16
$seqFloor = $PrefixLeases * 3 * $rtt
# Request units per call of the cmdlet, from the meter's totals over the metered runs.
function Get-UnitsPer($Totals, [int] $Calls) {
    $per = [ordered]@{}
    foreach ($p in $Totals.PSObject.Properties) { $per[$p.Name] = [ordered]@{ calls = $p.Value.calls / $Calls; units = $p.Value.units / $Calls } }
    $per
}
$coldModuleMedian = Get-Median $coldModule
$coldImportMedian = Get-Median $coldImport
$coldBareMedian = Get-Median $coldBare
$coldCost = $coldModuleMedian - $coldBareMedian

$rows = [Collections.Generic.List[object]]::new()
if ($ColdStartOnly) { }
elseif ($a) {
    # Engine overhead = what a plain call costs beyond the IAM calls' critical path (from the -Verbose runs' reported call times).
    $overhead = $a.issue.median_ms - $a.issue_overhead.critical_median_ms
    $revokeOverhead = $a.revoke.median_ms - $a.revoke_overhead.critical_median_ms
    $vo = $a.vault_order
    $issueSpeedup = Div $vo.issue_median_ms $a.issue.median_ms
    $revokeSpeedup = Div $vo.revoke_median_ms $a.revoke.median_ms
    $rows.Add((Row 'issue' $a.issue.runs $a.issue.median_ms $issueFloor (Div $a.issue.median_ms $issueFloor) 1.25 '<= 1.25' @{
        engine_overhead_ms = Round $overhead; engine_overhead_verbose_ms = Round $a.issue_overhead.overhead_median_ms; aws_critical_path_ms = Round $a.issue_overhead.critical_median_ms
        engine_only_ms = Round $a.engine_direct.issue_median_ms; samples_ms = $a.issue.samples_ms; engine_only_samples_ms = $a.engine_direct.issue_samples_ms; min_ms = Round $a.issue.min_ms; max_ms = Round $a.issue.max_ms
    } -Failed $a.issue.failed))
    $rows.Add((Row 'revoke' $a.revoke.runs $a.revoke.median_ms $revokeFloor (Div $a.revoke.median_ms $revokeFloor) 1.25 '<= 1.25' @{
        engine_overhead_ms = Round $revokeOverhead; engine_overhead_verbose_ms = Round $a.revoke_overhead.overhead_median_ms; aws_critical_path_ms = Round $a.revoke_overhead.critical_median_ms
        engine_only_ms = Round $a.engine_direct.revoke_median_ms; samples_ms = $a.revoke.samples_ms; engine_only_samples_ms = $a.engine_direct.revoke_samples_ms; min_ms = Round $a.revoke.min_ms; max_ms = Round $a.revoke.max_ms
        engine_only_failed = $a.engine_direct.revoke_failed
    } -Failed ($a.revoke.failed + $a.engine_direct.revoke_failed)))
    $rows.Add((Row 'vault-order-issue' $vo.issue_samples_ms.Count $vo.issue_median_ms ($vo.issue_calls * $rtt) (Div $vo.issue_median_ms ($vo.issue_calls * $rtt)) 0 '(comparison)' @{
        calls = $vo.issue_calls; speedup_vs_issue = [Math]::Round($issueSpeedup, 2); samples_ms = $vo.issue_samples_ms
    } -Failed ($vo.issue_failed + $a.issue.failed)))
    $rows.Add((Row 'vault-order-revoke' $vo.revoke_samples_ms.Count $vo.revoke_median_ms ($vo.revoke_calls * $rtt) (Div $vo.revoke_median_ms ($vo.revoke_calls * $rtt)) 0 '(comparison)' @{
        calls = $vo.revoke_calls; speedup_vs_revoke = [Math]::Round($revokeSpeedup, 2); samples_ms = $vo.revoke_samples_ms
    } -Failed ($vo.revoke_failed + $a.revoke.failed)))
    $rows.Add((Row 'revoke-prefix' 1 $a.revoke_prefix.median_ms $prefixFloor (Div $a.revoke_prefix.median_ms $prefixFloor) 1.3 '<= 1.30' @{
        leases = $PrefixLeases; throttle_limit = 16; issued = $a.revoke_prefix.issued; revoked = $a.revoke_prefix.revoked
    } -Failed $a.revoke_prefix.failed))
    $rows.Add((Row 'revoke-prefix-sequential' 1 $a.revoke_prefix_sequential.median_ms $seqFloor (Div $a.revoke_prefix_sequential.median_ms $seqFloor) 0 '(comparison)' @{
        leases = $PrefixLeases; throttle_limit = 1; issued = $a.revoke_prefix_sequential.issued; revoked = $a.revoke_prefix_sequential.revoked
    } -Failed $a.revoke_prefix_sequential.failed))
}
else { foreach ($n in 'issue', 'revoke', 'vault-order-issue', 'vault-order-revoke', 'revoke-prefix', 'revoke-prefix-sequential') { $rows.Add((FailedRow $n '' 'Aws')) } }
if ($l -and $f) {
    $rows.Add((Row 'store-lookup' $l.lookup.runs $l.lookup.median_ms 0 ($l.lookup.median_ms / 5) 1 '<= 5 ms' @{
        leases_in_store = $f.fill.leases; matching = $l.lookup.matching; first_call_ms = Round $l.lookup.first_call_ms
    }))
}
elseif (-not $ColdStartOnly) { $rows.Add((FailedRow 'store-lookup' '<= 5 ms' 'Lookup')) }
if ($a) {
    $rows.Add((Row 'store-share' $a.store_share.runs $a.store_share.median_ms 0 ($a.store_share.median_ms / 2) 1 '<= 2 ms' @{ pieces_ms = $a.store_share.pieces }))
}
elseif (-not $ColdStartOnly) { $rows.Add((FailedRow 'store-share' '<= 2 ms' 'Aws')) }
if ($sh) {
    # The shared store's floor: IAM's two round trips plus the two store writes no IAM call may overlap.
    $sharedFloor = $issueFloor + $sh.shared.insert_median_ms + $sh.shared.activate_median_ms
    $issueUnits = Get-UnitsPer $sh.shared.issue_units $sh.shared.metered_runs
    $revokeUnits = Get-UnitsPer $sh.shared.revoke_units $sh.shared.metered_runs
    $rows.Add((Row 'issue-shared' $sh.shared.runs $sh.shared.median_ms $sharedFloor (Div $sh.shared.median_ms $sharedFloor) 1.25 '<= 1.25' @{
        intent_write_ms = Round $sh.shared.insert_median_ms; activation_ms = Round $sh.shared.activate_median_ms
        iam_floor_ms = $issueFloor; aws_critical_path_ms = Round $sh.shared.critical_median_ms; revoke_median_ms = Round $sh.shared.revoke_median_ms
        samples_ms = $sh.shared.samples_ms; ddb_per_issue = $issueUnits; ddb_per_revoke = $revokeUnits
        ddb_issue_calls = $sh.shared.issue_calls; ddb_revoke_calls = $sh.shared.revoke_calls
    } -Failed $sh.shared.failed))
}
elseif (-not $ColdStartOnly) { $rows.Add((FailedRow 'issue-shared' '<= 1.25' 'Shared')) }
$rows.Add((Row 'cold-start' $coldModule.Count $coldModuleMedian $coldBareMedian (Div $coldModuleMedian $coldBareMedian) 1.3 '<= 1.30' @{
    baseline = "pwsh -NoProfile -Command '`$null'"; module_cost_ms = Round $coldCost
    import_ms = Round ($coldImportMedian - $coldBareMedian); first_command_ms = Round ($coldModuleMedian - $coldImportMedian)
    import_only_median_ms = Round $coldImportMedian
    samples_ms = @($coldModule | Sort-Object | ForEach-Object { [Math]::Round($_, 0) }); baseline_samples_ms = @($coldBare | Sort-Object | ForEach-Object { [Math]::Round($_, 0) })
}))
if ($cp) {
    # The hits' and the misses' leases: every one must be revoked at the end, as in the other rows.
    $unrevoked = [Math]::Max(0, $cp.issued - $cp.revoked)
    $rows.Add((Row 'credential-process-hit' $cp.hit.runs $cp.hit.median_ms $cp.pwsh_start.median_ms (Div $cp.hit.median_ms $cp.pwsh_start.median_ms) 0.1 '<= 0.10' @{
        baseline = "pwsh -NoProfile -Command '`$null' (pwsh-start)"; total_ms = Round $cp.hit.total_ms; two_pwsh_starts_ms = Round (2 * $cp.pwsh_start.median_ms)
        total_under_two_pwsh_starts = $cp.hit.total_ms -lt 2 * $cp.pwsh_start.median_ms; samples_ms = $cp.hit.samples_ms
    } -Failed $cp.hit.failed))
    $rows.Add((Row 'pwsh-start' $cp.pwsh_start.runs $cp.pwsh_start.median_ms $cp.pwsh_start.median_ms 1 0 '(baseline)' @{ samples_ms = $cp.pwsh_start.samples_ms }))
    $cpFloor = $issueFloor + $cp.pwsh_start.median_ms
    $rows.Add((Row 'credential-process-miss' $cp.miss.runs $cp.miss.median_ms $cpFloor (Div $cp.miss.median_ms $cpFloor) 0 '(comparison)' @{
        issue_floor_ms = $issueFloor; pwsh_start_ms = Round $cp.pwsh_start.median_ms; samples_ms = $cp.miss.samples_ms; issued = $cp.issued; revoked = $cp.revoked
    } -Failed ($cp.miss.failed + $unrevoked)))
}
elseif (-not $cpRan) { foreach ($n in 'credential-process-hit', 'pwsh-start', 'credential-process-miss') { $rows.Add((FailedRow $n '' 'CredentialProcess')) } }

Write-Host ''
Write-Host "DynamicAwsCreds benchmark - LocalAws --latency-ms $LatencyMs (1 round trip = $rtt ms), $([Environment]::ProcessorCount) cores" -ForegroundColor Cyan
$rows | Format-Table -AutoSize @(
    @{ n = 'scenario'; e = { $_.scenario } }
    @{ n = 'runs'; e = { $_.runs }; a = 'right' }
    @{ n = 'median ms'; e = { if ($null -eq $_.median_ms) { '-' } else { '{0:0.00}' -f $_.median_ms } }; a = 'right' }
    @{ n = 'floor ms'; e = { if ($null -eq $_.floor_ms) { '-' } else { '{0:0.00}' -f $_.floor_ms } }; a = 'right' }
    @{ n = 'ratio'; e = { if ($null -eq $_.ratio) { '-' } else { '{0:0.000}' -f $_.ratio } }; a = 'right' }
    @{ n = 'target'; e = { $_.target } }
    @{ n = 'result'; e = { if ($_.failed -gt 0) { "FAILED ($($_.failed))" } elseif ($null -eq $_.ok) { '-' } elseif ($_.ok) { 'OK' } else { 'MISS' } } }
    @{ n = 'note'; e = {
            $r = $_
            if ($r.PSObject.Properties['session_failed']) { "session $($r.session_failed) died" }
            elseif ($r.scenario -eq 'credential-process-hit' -and $r.failed -eq 0) { '{0} hits together {1:0} ms vs 2 pwsh starts {2:0} ms' -f $r.runs, $r.total_ms, $r.two_pwsh_starts_ms }
            elseif ($r.scenario -eq 'credential-process-miss' -and $r.failed -eq 0) { 'floor = issue {0} ms + pwsh start {1:0} ms' -f $r.issue_floor_ms, $r.pwsh_start_ms }
            elseif ($r.scenario -eq 'cold-start') { '{0:0} ms of its own (import {1:0}, first command {2:0})' -f $r.module_cost_ms, $r.import_ms, $r.first_command_ms }
            elseif ($r.scenario -eq 'vault-order-issue' -and $r.failed -eq 0) { '{0} calls; {1:0.0}x the issue median' -f $r.calls, $r.speedup_vs_issue }
            elseif ($r.scenario -eq 'vault-order-revoke' -and $r.failed -eq 0) { '{0} calls; {1:0.0}x the revoke median' -f $r.calls, $r.speedup_vs_revoke }
        }
    }
) | Out-String -Width 220 | Write-Host

if ($a) {
    if ($a.revoke_prefix.failed -eq 0 -and $a.revoke_prefix_sequential.failed -eq 0) {
        Write-Host ("revoke-prefix: -ThrottleLimit 16 is {0:0.0}x faster than -ThrottleLimit 1 ({1:0} ms / {2:0} ms; both this module's revoke, 1 against 16 leases in flight; ideal 16x)" -f `
                ($a.revoke_prefix_sequential.median_ms / $a.revoke_prefix.median_ms), $a.revoke_prefix_sequential.median_ms, $a.revoke_prefix.median_ms)
    }
    if ($vo.issue_failed -eq 0 -and $vo.revoke_failed -eq 0 -and $a.issue.failed -eq 0 -and $a.revoke.failed -eq 0) {
        Write-Host ("Vault's call order, one call at a time, same client and LocalAws: issue {0:0} ms ({1} calls) vs Get-AwsCredential {2:0} ms = {3:0.0}x; revoke {4:0} ms ({5} calls) vs Revoke-Lease {6:0} ms = {7:0.0}x (ratios of medians)" -f `
                $vo.issue_median_ms, $vo.issue_calls, $a.issue.median_ms, $issueSpeedup, $vo.revoke_median_ms, $vo.revoke_calls, $a.revoke.median_ms, $revokeSpeedup)
    }
    Write-Host ("engine overhead per issue: {0:0.0} ms (target <= 10 ms: {1}) = Get-AwsCredential median {2:0.0} ms - median critical path of the IAM calls the module reports with -Verbose {3:0.0} ms (CreateUser + the slowest of the {4} calls sent together after it)" -f `
            $overhead, ($overhead -le 10 ? 'OK' : 'MISS'), $a.issue.median_ms, $a.issue_overhead.critical_median_ms, ($a.issue_overhead.calls - 1))
    Write-Host ("   the same issues run with -Verbose 4>&1: wall {0:0.0} ms - their own critical path = {1:0.0} ms (writing the verbose records keeps the cmdlet's event pump busy until the engine is done)" -f `
            $a.issue_overhead.wall_median_ms, $a.issue_overhead.overhead_median_ms)
    Write-Host ("engine overhead per revoke: {0:0.0} ms = Revoke-Lease median {1:0.0} ms - critical path {2:0.0} ms (slowest List + slowest removal + DeleteUser); with -Verbose: {3:0.0} ms" -f `
            $revokeOverhead, $a.revoke.median_ms, $a.revoke_overhead.critical_median_ms, $a.revoke_overhead.overhead_median_ms)
    Write-Host ("engine without the cmdlet layer (CredsEngine.IssueCredentialAsync / RevokeLeaseAsync, same store, same LocalAws): issue {0:0.0} ms, revoke {1:0.0} ms; the cmdlet layer adds {2:0.0} / {3:0.0} ms" -f `
            $a.engine_direct.issue_median_ms, $a.engine_direct.revoke_median_ms, ($a.issue.median_ms - $a.engine_direct.issue_median_ms), ($a.revoke.median_ms - $a.engine_direct.revoke_median_ms))
    Write-Host ("issue samples, sorted (ms): Get-AwsCredential {0}" -f ($a.issue.samples_ms -join ' '))
    Write-Host ("                             engine alone      {0}" -f ($a.engine_direct.issue_samples_ms -join ' '))
    Write-Host ("                             Vault's order     {0}" -f ($vo.issue_samples_ms -join ' '))
    Write-Host ("revoke samples, sorted (ms): Revoke-Lease      {0}" -f ($a.revoke.samples_ms -join ' '))
    Write-Host ("                             engine alone      {0}" -f ($a.engine_direct.revoke_samples_ms -join ' '))
    Write-Host ("                             Vault's order     {0}" -f ($vo.revoke_samples_ms -join ' '))
    Write-Host ("store-share method: stopwatch around the 9 store calls an issue makes, via the engine's store (bench/BenchTool) on the same store file; per call (median ms): {0}" -f `
        (($a.store_share.pieces.PSObject.Properties | ForEach-Object { "$($_.Name) $($_.Value)" }) -join ', '))
    if ($a.untimed_failed) { Write-Host "untimed steps (warm-up, -Verbose runs) that failed in the Aws session: $($a.untimed_failed)" -ForegroundColor Red }
}
if ($z) {
    Write-Host ("at --latency-ms 0: issue {0:0.0} ms (of which the reported IAM critical path {1:0.0} ms), revoke {2:0.0} ms; issue samples (ms): {3}" -f `
            $z.zero.issue_median_ms, $z.zero.issue_critical_median_ms, $z.zero.revoke_median_ms, ($z.zero.issue_samples_ms -join ' '))
}
if ($sh) {
    Write-Host ("issue-shared: floor {0:0.0} ms = {1} ms of IAM round trips + intent write {2:0.00} ms + activation {3:0.00} ms (each timed alone on the same table); IAM critical path reported with -Verbose {4:0.0} ms; revoke {5:0.0} ms" -f `
            $sharedFloor, $issueFloor, $sh.shared.insert_median_ms, $sh.shared.activate_median_ms, $sh.shared.critical_median_ms, $sh.shared.revoke_median_ms)
    foreach ($what in @(@{ n = 'issue'; u = $issueUnits }, @{ n = 'revoke'; u = $revokeUnits })) {
        Write-Host ("   DynamoDB per {0} (mean of {1}): {2}" -f $what.n, $sh.shared.metered_runs,
            (($what.u.GetEnumerator() | ForEach-Object { '{0} {1:0.##} calls / {2:0.##} units' -f $_.Key, $_.Value.calls, $_.Value.units }) -join ', '))
    }
    Write-Host ("   DynamoDB calls of one issue, in order (operation pk/sk units): {0}" -f ($sh.shared.issue_calls -join '; '))
    Write-Host ("   DynamoDB calls of one revoke: {0}" -f ($sh.shared.revoke_calls -join '; '))
}
if ($l) {
    Write-Host ("store-lookup: first Get-Lease in the process (engine creation, incl. the store open and abandoned-intent scan) {0:0.0} ms; Get-Lease of all {1} leases {2:0} ms" -f `
            $l.lookup.first_call_ms, $l.lookup.list_all_count, $l.lookup.list_all_ms)
}
Write-Host ("cold-start: Import-Module + Get-Lease {0:0} ms, Import-Module alone {1:0} ms, bare pwsh -Command '`$null' {2:0} ms (medians of {3}, interleaved): the module's own cost {4:0} ms (import {5:0} ms, first Get-Lease {6:0} ms)." -f `
        $coldModuleMedian, $coldImportMedian, $coldBareMedian, $coldModule.Count, $coldCost, ($coldImportMedian - $coldBareMedian), ($coldModuleMedian - $coldImportMedian))
if ($cp -and $cp.hit.failed -eq 0) {
    Write-Host ("credential_process: {0} runs of the native helper on a warm cache took {1:0} ms together, two PowerShell starts {2:0} ms (2 x the pwsh-start median): {3}; one hit {4:0.0} ms = {5:0.000} of a pwsh start. Hit samples (ms): {6}" -f `
            $cp.hit.runs, $cp.hit.total_ms, (2 * $cp.pwsh_start.median_ms), ($cp.hit.total_ms -lt 2 * $cp.pwsh_start.median_ms ? 'less, OK' : 'not less, MISS'),
        $cp.hit.median_ms, ($cp.hit.median_ms / $cp.pwsh_start.median_ms), ($cp.hit.samples_ms -join ' '))
}

$dir = Split-Path $ResultFile
if ($dir -and -not (Test-Path $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
ConvertTo-Json -InputObject @($rows) -Depth 5 | Set-Content -Path $ResultFile -Encoding utf8
Write-Host "Wrote $ResultFile (bench took $([Math]::Round($benchStart.Elapsed.TotalMinutes, 1)) min)"
$failedRows = @($rows | Where-Object { $_.failed -gt 0 })
if ($failedRows) {
    Write-Host ("FAILED: {0} (a call failed, a lease was not issued or revoked, or the session died); these rows have no ratio." -f (($failedRows.scenario) -join ', ')) -ForegroundColor Red
    exit 1
}
exit 0
