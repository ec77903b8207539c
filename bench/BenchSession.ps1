<#
.SYNOPSIS
    One fresh pwsh of the benchmark: imports the built module as a user would and times cmdlet calls with a
    Stopwatch around each call. Invoke-Bench.ps1 starts it once per part and reads the JSON it writes.
.DESCRIPTION
    -Part Aws     issue / revoke (medians after a warm-up), the engine overhead per issue and per revoke
                  (wall time minus the critical path of the IAM calls the module reports with -Verbose), the
                  engine called without the cmdlet layer and the store's part of an issue (both by -BenchTool,
                  on the same store), Vault's call order for the same role, one call at a time through the engine's
                  IAM client (-BenchTool vault-order), then 2 x N leases issued from parallel runspaces and revoked by prefix
                  with -ThrottleLimit 16 and with -ThrottleLimit 1.
    -Part Zero    issues against a LocalAws without added latency (the whole cost of an issue minus the network delay).
    -Part Lookup  times Get-Lease -Prefix against a store bench/BenchTool filled.
    -Part Shared  issue-shared: issues on a shared store (-StorePath dynamodb://…, dynalite) against LocalAws, root
                  credentials from the default chain (-AccessKey/-SecretKey as AWS_ACCESS_KEY_ID/…, which the store
                  uses too); the two store writes an issue cannot overlap with IAM, timed alone (bench/BenchTool
                  store-writes); then the DynamoDB request units of an issue and of a revoke, through the meter
                  proxy at -MeterEndpoint (bench/BenchTool ddb-meter).

    A call that fails or a lease that is not revoked is counted (issue_failed, revoke_failed, failed) rather than
    timed; Invoke-Bench.ps1 reports such a row as failed.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('Aws', 'Zero', 'Lookup', 'Shared')] [string] $Part,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $StorePath,
    [Parameter(Mandatory)] [string] $OutFile,
    # bench/BenchTool's dll, for -Part Aws.
    [string] $BenchTool,
    [string] $Endpoint,
    [string] $AccessKey,
    [string] $SecretKey,
    [string] $Group = 'bench-group',
    [int] $Runs = 25,
    [int] $WarmUp = 3,
    [int] $PrefixLeases = 1000,
    [int] $IssueWorkers = 10,
    [int] $LookupMatching = 10,
    # -Part Shared: dynalite's endpoint, and the meter proxy in front of it.
    [string] $DynamoEndpoint,
    [string] $MeterEndpoint,
    [int] $MeteredRuns = 10
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$env:DYNAMICAWSCREDS_STORE = $StorePath
if ($Part -eq 'Shared') {
    # The shared store and the mount's IAM calls both take their credentials from the SDK's default chain.
    $env:AWS_ACCESS_KEY_ID = $AccessKey
    $env:AWS_SECRET_ACCESS_KEY = $SecretKey
    $env:DYNAMICAWSCREDS_HOST_ID = 'bench'
}
Import-Module $ModulePath

$PolicyArns = 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'
$PolicyDocument = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bench-bucket","arn:aws:s3:::bench-bucket/*"]}]}'

function Say([string] $Text) { Write-Host "   [$Part] $Text" }

function Get-Median([double[]] $Values) {
    # No value when nothing succeeded (JSON has no NaN); the row is then reported as failed.
    if ($Values.Count -eq 0) { return $null }
    $s = [double[]]($Values | Sort-Object)
    $m = [int][Math]::Floor($s.Count / 2)
    if ($s.Count % 2) { $s[$m] } else { ($s[$m - 1] + $s[$m]) / 2 }
}

function Measure-Ms([scriptblock] $Block) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $result = & $Block
    $sw.Stop()
    [pscustomobject]@{ Ms = $sw.Elapsed.TotalMilliseconds; Result = $result }
}

function Initialize-Mount([string] $Mount, [string[]] $Roles, [switch] $DefaultChain) {
    Enable-SecretsEngine aws -Path $Mount | Out-Null
    $keys = if ($DefaultChain) { @{} } else { @{ AccessKey = $AccessKey; SecretKey = $SecretKey } }
    Set-AwsRootConfig -Path $Mount @keys -IamEndpoint $Endpoint -StsEndpoint $Endpoint
    foreach ($r in $Roles) {
        Set-AwsRole $r -Path $Mount -PolicyArn $PolicyArns -PolicyDocument $PolicyDocument -IamGroup $Group | Out-Null
    }
}

# "AWS IAM CreateUser vault-…: 200 in 12 ms" (and "(attempt n)" for retries).
$CallPattern = '^AWS (?<svc>\S+) (?<action>\S+) (?<target>\S+): (?<status>.+?) in (?<ms>\d+) ms'

function Split-Verbose($Output) {
    $calls = [Collections.Generic.List[object]]::new()
    $objects = [Collections.Generic.List[object]]::new()
    foreach ($o in $Output) {
        if ($o -is [Management.Automation.VerboseRecord]) {
            if ($o.Message -match $CallPattern) {
                $calls.Add([pscustomobject]@{ Action = $Matches.action; Ms = [double]$Matches.ms; Status = $Matches.status })
            }
        }
        else { $objects.Add($o) }
    }
    [pscustomobject]@{ Calls = $calls; Objects = $objects }
}

# Issue: CreateUser, then everything else at once. Critical path = CreateUser + the slowest of the rest.
function Get-IssueCriticalPath($Calls) {
    $create = ($Calls | Where-Object Action -eq 'CreateUser' | Measure-Object Ms -Sum).Sum
    $rest = ($Calls | Where-Object Action -ne 'CreateUser' | Measure-Object Ms -Maximum).Maximum
    $create + $rest
}

# Revoke: the Lists at once, the removals at once, then DeleteUser.
function Get-RevokeCriticalPath($Calls) {
    $lists = ($Calls | Where-Object Action -like 'List*' | Measure-Object Ms -Maximum).Maximum
    $removals = ($Calls | Where-Object { $_.Action -notlike 'List*' -and $_.Action -ne 'DeleteUser' } | Measure-Object Ms -Maximum).Maximum
    $delete = ($Calls | Where-Object Action -eq 'DeleteUser' | Measure-Object Ms -Sum).Sum
    $lists + $removals + $delete
}

# $Runs timed Get-AwsCredential calls: the times and lease ids of those that succeeded, and how many failed.
function Measure-Issues([string] $Role) {
    $ms = [Collections.Generic.List[double]]::new()
    $ids = [Collections.Generic.List[string]]::new()
    $failed = 0
    for ($i = 0; $i -lt $Runs; $i++) {
        try { $m = Measure-Ms { Get-AwsCredential $Role } }
        catch { $failed++; Say "issue failed: $_"; continue }
        $ms.Add($m.Ms); $ids.Add($m.Result.LeaseId)
    }
    , $ms
    , $ids
    $failed
}

# Timed Revoke-Lease <id> of each lease: the times of those revoked, and how many were not.
function Measure-Revokes([string[]] $Ids) {
    $ms = [Collections.Generic.List[double]]::new()
    $failed = 0
    foreach ($id in $Ids) {
        try { $m = Measure-Ms { Revoke-Lease $id } }
        catch { $failed++; Say "revoke failed: $_"; continue }
        if ($m.Result.Revoked -ne 1) { $failed++; Say "Revoke-Lease $id did not revoke"; continue }
        $ms.Add($m.Ms)
    }
    , $ms
    $failed
}

# A warm-up or untimed step: its failure is reported and counted, not fatal (the timed runs count their own).
function Invoke-Untimed([scriptblock] $Block) {
    try { & $Block } catch { $script:untimedFailed++; Say "untimed step failed: $_" }
}
$untimedFailed = 0

# Runs bench/BenchTool (the engine's public API, outside PowerShell) and returns the JSON it prints.
function Invoke-BenchTool([string] $Scenario, [string[]] $Arguments) {
    $json = & dotnet $BenchTool $Scenario --store $StorePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "BenchTool $Scenario failed (exit code $LASTEXITCODE)." }
    $json | ConvertFrom-Json
}

$result = [ordered]@{}

switch ($Part) {
    'Aws' {
        $role = 'bench-issue'
        Initialize-Mount 'aws' @($role, 'bench-prefix16', 'bench-prefix1')

        Say "warm-up ($WarmUp issue + revoke, plain and -Verbose)"
        for ($i = 0; $i -lt $WarmUp; $i++) {
            Invoke-Untimed {
                $c = Get-AwsCredential $role
                Revoke-Lease $c.LeaseId | Out-Null
                $c = Get-AwsCredential $role -Verbose 4>&1 | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
                Revoke-Lease $c.LeaseId -Verbose 4>&1 | Out-Null
            }
        }

        Say "issue: $Runs runs of Get-AwsCredential $role"
        $issueMs, $ids, $issueFailed = Measure-Issues $role

        Say "revoke: $Runs runs of Revoke-Lease <id>"
        $revokeMs, $revokeFailed = Measure-Revokes $ids
        $revokeFailed += $issueFailed

        Say "engine overhead: $Runs issues and revokes with -Verbose (wall - critical path of the reported IAM calls)"
        $ov = [Collections.Generic.List[object]]::new()
        $rv = [Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $Runs; $i++) {
            Invoke-Untimed {
                $m = Measure-Ms { Get-AwsCredential $role -Verbose 4>&1 }
                $split = Split-Verbose $m.Result
                $crit = Get-IssueCriticalPath $split.Calls
                $ov.Add([pscustomobject]@{ Wall = $m.Ms; Critical = $crit; Overhead = $m.Ms - $crit; Calls = $split.Calls.Count })
                $id = $split.Objects[0].LeaseId
                $m = Measure-Ms { Revoke-Lease $id -Verbose 4>&1 }
                $split = Split-Verbose $m.Result
                $crit = Get-RevokeCriticalPath $split.Calls
                $rv.Add([pscustomobject]@{ Wall = $m.Ms; Critical = $crit; Overhead = $m.Ms - $crit; Calls = $split.Calls.Count })
            }
        }

        Say "engine without the cmdlet layer: $Runs IssueCredentialAsync / RevokeLeaseAsync on a CredsEngine of the same store (bench/BenchTool)"
        $direct = Invoke-BenchTool engine '--role', $role, '--runs', $Runs, '--warmup', $WarmUp

        Say "store-share: the store calls of one issue (GetMount x2, GetRole, GetRootConfig, ListPendingLeases, GetLeaseConfig, InsertLeaseUnderEnabledMount, MarkUserCreated, ActivateLease), $Runs runs (bench/BenchTool)"
        $share = Invoke-BenchTool store-share '--role', $role, '--runs', $Runs, '--warmup', $WarmUp

        Say "vault-order: $Runs issues and revokes of $role in Vault's call order, one call at a time, the engine's IAM client (bench/BenchTool)"
        $order = Invoke-BenchTool vault-order '--role', $role, '--endpoint', $Endpoint, '--access-key', $AccessKey, '--secret-key', $SecretKey, '--runs', $Runs, '--warmup', $WarmUp

        Say "revoke-prefix: issuing 2 x $PrefixLeases leases from $IssueWorkers parallel runspaces"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $jobs = 0..($IssueWorkers - 1) | ForEach-Object {
            $w = $_
            $items = 0..(2 * $PrefixLeases - 1) | Where-Object { $_ % $IssueWorkers -eq $w }
            [pscustomobject]@{ Worker = $w; Roles = @($items | ForEach-Object { if ($_ % 2) { 'bench-prefix1' } else { 'bench-prefix16' } }) }
        }
        $issueErrors = $jobs | ForEach-Object -ThrottleLimit $IssueWorkers -Parallel {
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            Import-Module $using:ModulePath
            $job = $_
            $failed = 0
            foreach ($r in $job.Roles) {
                try { $null = Get-AwsCredential $r } catch { $failed++; if ($failed -le 3) { Write-Warning "worker $($job.Worker): $_" } }
            }
            $failed
        } | Measure-Object -Sum
        $sw.Stop()
        $issued16 = @(Get-Lease -Prefix aws/creds/bench-prefix16).Count
        $issued1 = @(Get-Lease -Prefix aws/creds/bench-prefix1).Count
        Say ("  issued {0} + {1} leases in {2:0.0} s ({3} failures)" -f $issued16, $issued1, $sw.Elapsed.TotalSeconds, $issueErrors.Sum)
        if ($issued16 -ne $PrefixLeases -or $issued1 -ne $PrefixLeases) { Say "expected $PrefixLeases leases per prefix, found $issued16 and $issued1" }

        Say "revoke-prefix: Revoke-Lease -Prefix aws/creds/bench-prefix16 -ThrottleLimit 16"
        $p16 = Measure-Ms { Revoke-Lease -Prefix aws/creds/bench-prefix16 -ThrottleLimit 16 -ErrorAction SilentlyContinue }
        Say ("  {0:0} ms, revoked {1}, failed {2}" -f $p16.Ms, $p16.Result.Revoked, $p16.Result.Failed)
        Say "revoke-prefix-sequential: Revoke-Lease -Prefix aws/creds/bench-prefix1 -ThrottleLimit 1"
        $p1 = Measure-Ms { Revoke-Lease -Prefix aws/creds/bench-prefix1 -ThrottleLimit 1 -ErrorAction SilentlyContinue }
        Say ("  {0:0} ms, revoked {1}, failed {2}" -f $p1.Ms, $p1.Result.Revoked, $p1.Result.Failed)

        $result.issue = [ordered]@{ runs = $issueMs.Count; failed = $issueFailed; median_ms = Get-Median $issueMs; samples_ms = @($issueMs | Sort-Object | ForEach-Object { [Math]::Round($_, 1) }); min_ms = ($issueMs | Measure-Object -Minimum).Minimum; max_ms = ($issueMs | Measure-Object -Maximum).Maximum }
        $result.revoke = [ordered]@{ runs = $revokeMs.Count; failed = $revokeFailed; median_ms = Get-Median $revokeMs; samples_ms = @($revokeMs | Sort-Object | ForEach-Object { [Math]::Round($_, 1) }); min_ms = ($revokeMs | Measure-Object -Minimum).Minimum; max_ms = ($revokeMs | Measure-Object -Maximum).Maximum }
        $result.issue_overhead = [ordered]@{
            runs = $ov.Count; wall_median_ms = Get-Median $ov.Wall; critical_median_ms = Get-Median $ov.Critical
            overhead_median_ms = Get-Median $ov.Overhead; calls = ($ov | Select-Object -First 1).Calls
        }
        $result.revoke_overhead = [ordered]@{
            runs = $rv.Count; wall_median_ms = Get-Median $rv.Wall; critical_median_ms = Get-Median $rv.Critical
            overhead_median_ms = Get-Median $rv.Overhead; calls = ($rv | Select-Object -First 1).Calls
        }
        $result.engine_direct = [ordered]@{
            runs = @($direct.issue_ms).Count; issue_median_ms = Get-Median $direct.issue_ms; revoke_median_ms = Get-Median $direct.revoke_ms
            revoke_failed = $direct.revoke_failed
            issue_samples_ms = @($direct.issue_ms | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
            revoke_samples_ms = @($direct.revoke_ms | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
        }
        $result.store_share = [ordered]@{ runs = @($share.total_ms).Count; median_ms = Get-Median $share.total_ms; pieces = [ordered]@{} }
        foreach ($piece in $share.pieces_ms.PSObject.Properties) {
            $result.store_share.pieces[$piece.Name] = [Math]::Round((Get-Median $piece.Value), 3)
        }
        # A lease not issued or not revoked is a failure of the row: fewer leases would make the run shorter.
        $result.revoke_prefix = [ordered]@{ runs = 1; median_ms = $p16.Ms; leases = $PrefixLeases; issued = $issued16; revoked = $p16.Result.Revoked; failed = $PrefixLeases - $p16.Result.Revoked; throttle = 16 }
        $result.revoke_prefix_sequential = [ordered]@{ runs = 1; median_ms = $p1.Ms; leases = $PrefixLeases; issued = $issued1; revoked = $p1.Result.Revoked; failed = $PrefixLeases - $p1.Result.Revoked; throttle = 1 }
        $result.vault_order = [ordered]@{
            runs = $Runs; issue_median_ms = Get-Median $order.issue_ms; revoke_median_ms = Get-Median $order.revoke_ms
            issue_failed = $order.issue_failed; revoke_failed = $order.revoke_failed + $order.issue_failed
            issue_calls = $order.issue_calls; revoke_calls = $order.revoke_calls
            issue_samples_ms = @($order.issue_ms | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
            revoke_samples_ms = @($order.revoke_ms | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
        }
        $result.untimed_failed = $untimedFailed
    }

    'Zero' {
        $role = 'bench-zero'
        Initialize-Mount 'aws' @($role)
        for ($i = 0; $i -lt $WarmUp; $i++) { Revoke-Lease (Get-AwsCredential $role).LeaseId | Out-Null }
        Say "issue and revoke at --latency-ms 0: $Runs runs each"
        $issueMs = [Collections.Generic.List[double]]::new()
        $revokeMs = [Collections.Generic.List[double]]::new()
        $awsSum = [Collections.Generic.List[double]]::new()
        for ($i = 0; $i -lt $Runs; $i++) {
            $m = Measure-Ms { Get-AwsCredential $role -Verbose 4>&1 }
            $split = Split-Verbose $m.Result
            $issueMs.Add($m.Ms); $awsSum.Add((Get-IssueCriticalPath $split.Calls))
            $m = Measure-Ms { Revoke-Lease $split.Objects[0].LeaseId }
            $revokeMs.Add($m.Ms)
        }
        $result.zero = [ordered]@{
            runs = $Runs; issue_median_ms = Get-Median $issueMs; issue_critical_median_ms = Get-Median $awsSum
            issue_samples_ms = @($issueMs | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
            revoke_median_ms = Get-Median $revokeMs
        }
    }

    'Lookup' {
        $prefix = 'aws/creds/lookup-target'
        $first = Measure-Ms { Get-Lease -Prefix $prefix }
        if (@($first.Result).Count -ne $LookupMatching) { throw "Get-Lease -Prefix $prefix returned $(@($first.Result).Count) leases, expected $LookupMatching." }
        for ($i = 1; $i -lt $WarmUp; $i++) { $null = Get-Lease -Prefix $prefix }
        Say "store-lookup: $Runs runs of Get-Lease -Prefix $prefix"
        $ms = [Collections.Generic.List[double]]::new()
        for ($i = 0; $i -lt $Runs; $i++) {
            $m = Measure-Ms { Get-Lease -Prefix $prefix }
            if (@($m.Result).Count -ne $LookupMatching) { throw 'Wrong number of leases.' }
            $ms.Add($m.Ms)
        }
        $all = Measure-Ms { Get-Lease }
        $result.lookup = [ordered]@{
            runs = $ms.Count; median_ms = Get-Median $ms; first_call_ms = $first.Ms; matching = $LookupMatching
            min_ms = ($ms | Measure-Object -Minimum).Minimum; max_ms = ($ms | Measure-Object -Maximum).Maximum
            list_all_ms = $all.Ms; list_all_count = @($all.Result).Count
        }
    }

    'Shared' {
        $role = 'bench-shared'
        Initialize-Mount 'aws' @($role) -DefaultChain
        for ($i = 0; $i -lt $WarmUp; $i++) { Invoke-Untimed { Revoke-Lease (Get-AwsCredential $role).LeaseId | Out-Null } }

        Say "issue-shared: $Runs runs of Get-AwsCredential $role on $StorePath"
        $issueMs, $ids, $issueFailed = Measure-Issues $role
        $revokeMs, $revokeFailed = Measure-Revokes $ids

        Say "issue-shared: $Runs issues with -Verbose (the IAM calls' critical path)"
        $critical = [Collections.Generic.List[double]]::new()
        for ($i = 0; $i -lt $Runs; $i++) {
            $split = Split-Verbose (Get-AwsCredential $role -Verbose 4>&1)
            $critical.Add((Get-IssueCriticalPath $split.Calls))
            Revoke-Lease $split.Objects[0].LeaseId | Out-Null
        }

        Say "issue-shared: the intent write and the activation alone, $Runs runs (bench/BenchTool store-writes)"
        $table = ([Uri]$StorePath).Host
        $writes = & dotnet $BenchTool store-writes --table $table --region us-east-1 --endpoint $DynamoEndpoint --role $role --runs $Runs --warmup $WarmUp
        if ($LASTEXITCODE -ne 0) { throw "BenchTool store-writes failed (exit code $LASTEXITCODE)." }
        $writes = $writes | ConvertFrom-Json

        Say "issue-shared: DynamoDB request units of $MeteredRuns issues and $MeteredRuns revokes (through bench/BenchTool ddb-meter)"
        $env:DYNAMICAWSCREDS_STORE = $StorePath -replace [regex]::Escape("endpoint=$DynamoEndpoint"), "endpoint=$MeterEndpoint"
        $meter = { Invoke-RestMethod "$MeterEndpoint/_meter" }
        Revoke-Lease (Get-AwsCredential $role).LeaseId | Out-Null
        $null = & $meter
        $one = Get-AwsCredential $role
        $issueSequence = (& $meter).sequence
        Revoke-Lease $one.LeaseId | Out-Null
        $revokeSequence = (& $meter).sequence
        $metered = 1..$MeteredRuns | ForEach-Object { Get-AwsCredential $role }
        $issueUnits = (& $meter).totals
        $metered | Revoke-Lease | Out-Null
        $revokeUnits = (& $meter).totals

        $result.shared = [ordered]@{
            runs = $issueMs.Count; failed = $issueFailed + $revokeFailed; median_ms = Get-Median $issueMs; samples_ms = @($issueMs | Sort-Object | ForEach-Object { [Math]::Round($_, 1) })
            revoke_median_ms = Get-Median $revokeMs; critical_median_ms = Get-Median $critical
            insert_median_ms = Get-Median $writes.insert_ms; activate_median_ms = Get-Median $writes.activate_ms
            metered_runs = $MeteredRuns; issue_units = $issueUnits; revoke_units = $revokeUnits
            issue_calls = @($issueSequence); revoke_calls = @($revokeSequence)
        }
    }
}

$result | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile -Encoding utf8
