<#
.SYNOPSIS
    Runs every tests/Pester/*.Tests.ps1 over the built module with Pester 5.7.1 from the NuGet cache,
    and writes {Passed, Failed, Skipped, Inconclusive} to -ResultFile for build.ps1's closing line.
.DESCRIPTION
    With more than one file and -Parallel above 1, each file runs in a pwsh of its own (this script with that one
    file), -Parallel at a time, the longest-known files first. A file's pwsh has its own per-user data folder
    (XDG_DATA_HOME, which the per-user store and PSResourceGet's repository list follow on Linux and macOS), so no
    two files share them; everything else a file starts (LocalAws, dynalite, stores, temporary files) is already its
    own: free ports and new folders. Each file's output is printed in one piece when it ends, then the counts of all
    of them and each file's time.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $LocalAwsDll,
    [Parameter(Mandatory)] [string] $ResultFile,
    # Only these test files (default: every *.Tests.ps1 here), for a quick run of one area.
    [string[]] $Path = @($PSScriptRoot),
    # How many test files run at once (default: the processor count, at least 2); 1 runs them all in this pwsh.
    [int] $Parallel = [Math]::Max(2, [Environment]::ProcessorCount)
)
$ErrorActionPreference = 'Stop'

# No test may ever reach the EC2 instance metadata address through the SDK's default chain.
$env:AWS_EC2_METADATA_DISABLED = 'true'

# Read by TestHelpers.psm1 in every test file.
$env:DYNAMICAWSCREDS_TEST_MODULE = (Resolve-Path $ModulePath).Path
$env:DYNAMICAWSCREDS_TEST_LOCALAWS = (Resolve-Path $LocalAwsDll).Path

# The files that take longest (each run prints every file's time), started first so the short ones fill the end.
$LongestFirst = 'Walkthrough', 'Native', 'CredentialCache', 'SharedStore', 'Lifecycle', 'Concurrency', 'CredentialChain', 'StoreLocation'

# Inconclusive: tests that called Set-ItResult -Inconclusive (neither passed nor failed; build.ps1 counts only the others).
function Write-Result([int] $Passed, [int] $Failed, [int] $Skipped, [int] $Inconclusive) {
    [pscustomobject]@{ Passed = $Passed; Failed = $Failed; Skipped = $Skipped; Inconclusive = $Inconclusive } | ConvertTo-Json | Set-Content -Path $ResultFile
}

function Invoke-InThisProcess([string[]] $Files) {
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    Import-Module (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1') -Force
    $config = New-PesterConfiguration
    $config.Run.Path = $Files
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Normal'
    $config.Should.ErrorAction = 'Stop'
    $result = Invoke-Pester -Configuration $config
    Write-Result $result.PassedCount ($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) $result.SkippedCount $result.InconclusiveCount
    $result.Result -eq 'Passed'
}

function Get-TestFile([string[]] $Paths) {
    $files = foreach ($p in $Paths) {
        $item = Get-Item -LiteralPath $p
        if ($item.PSIsContainer) { Get-ChildItem -LiteralPath $item.FullName -Filter '*.Tests.ps1' -File -Recurse } else { $item }
    }
    $rank = { $i = [array]::IndexOf($LongestFirst, $_.Name -replace '\.Tests\.ps1$'); if ($i -lt 0) { $LongestFirst.Count } else { $i } }
    @($files | Sort-Object FullName -Unique | Sort-Object $rank, Name | ForEach-Object FullName)
}

# Starts one file in a pwsh of its own; returns what Complete-TestFile needs.
function Start-TestFile([string] $File) {
    $scratch = Join-Path ([IO.Path]::GetTempPath()) "dac-pester-$([guid]::NewGuid().ToString('n'))"
    # The data folder must exist: .NET's GetFolderPath (PSResourceGet's repository list) answers '' for a missing one.
    $data = New-Item -ItemType Directory -Path (Join-Path $scratch 'data') -Force
    $json = Join-Path $scratch 'result.json'
    $arguments = '-ModulePath', $env:DYNAMICAWSCREDS_TEST_MODULE, '-LocalAwsDll', $env:DYNAMICAWSCREDS_TEST_LOCALAWS,
    '-ResultFile', $json, '-Path', $File, '-Parallel', '1'
    [pscustomobject]@{
        File    = $File
        Scratch = $scratch
        Json    = $json
        Clock   = [Diagnostics.Stopwatch]::StartNew()
        Process = Start-Pwsh -File $PSCommandPath -ArgumentList $arguments -Environment @{ XDG_DATA_HOME = $data.FullName }
    }
}

# Prints a finished file's output in one piece and returns its counts.
function Complete-TestFile($Run) {
    $Run.Clock.Stop()
    $p = $Run.Process
    $counts = if (Test-Path $Run.Json) { Get-Content $Run.Json -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Inconclusive = 0 } }
    $failed = [int]$counts.Failed
    $note = ''
    if ($p.ExitCode -ne 0 -and $failed -eq 0) { $failed = 1; $note = " (its pwsh exited with $($p.ExitCode) and no failed test)" }
    if ([int]$counts.Inconclusive -gt 0) { $note += ", $($counts.Inconclusive) inconclusive" }
    $name = Split-Path $Run.File -Leaf
    $seconds = $Run.Clock.Elapsed.TotalSeconds
    Write-Host ("==== {0}: {1} passed, {2} failed, {3} skipped in {4:0.0}s{5}" -f $name, $counts.Passed, $failed, $counts.Skipped, $seconds, $note) `
        -ForegroundColor ($failed -gt 0 ? 'Red' : 'Green')
    $text = ($p.StdOut.Result + $p.StdErr.Result).TrimEnd()
    if ($text) { Write-Host $text }
    $p.Dispose()
    Remove-Item $Run.Scratch -Recurse -Force -ErrorAction SilentlyContinue
    [pscustomobject]@{ Name = $name; Passed = [int]$counts.Passed; Failed = $failed; Skipped = [int]$counts.Skipped; Inconclusive = [int]$counts.Inconclusive; Seconds = $seconds }
}

function Invoke-InParallel([string[]] $Files) {
    Import-Module (Join-Path $PSScriptRoot '../Common/DynamicAwsCreds.TestHost.psm1') -Force
    Write-Host "Running $($Files.Count) test files, $Parallel at a time, each in its own pwsh."
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $queue = [Collections.Generic.Queue[string]]::new([string[]]$Files)
    $running = [Collections.Generic.List[object]]::new()
    $done = [Collections.Generic.List[object]]::new()
    try {
        while ($queue.Count -gt 0 -or $running.Count -gt 0) {
            while ($queue.Count -gt 0 -and $running.Count -lt $Parallel) { $running.Add((Start-TestFile $queue.Dequeue())) }
            $finished = @($running | Where-Object { $_.Process.HasExited })
            if (-not $finished) { Start-Sleep -Milliseconds 200; continue }
            foreach ($run in $finished) {
                $null = $running.Remove($run)
                $run.Process.WaitForExit() # lets the output tasks finish
                $done.Add((Complete-TestFile $run))
            }
        }
    }
    finally {
        foreach ($run in $running) {
            if (-not $run.Process.HasExited) { $run.Process.Kill($true) }
            Remove-Item $run.Scratch -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
    $passed = ($done | Measure-Object Passed -Sum).Sum
    $failed = ($done | Measure-Object Failed -Sum).Sum
    $skipped = ($done | Measure-Object Skipped -Sum).Sum
    $inconclusive = ($done | Measure-Object Inconclusive -Sum).Sum
    Write-Host ("Test files completed in {0:0.0}s" -f $clock.Elapsed.TotalSeconds)
    Write-Host "Each file: $(($done | Sort-Object Seconds -Descending | ForEach-Object { '{0} {1:0}s' -f ($_.Name -replace '\.Tests\.ps1$'), $_.Seconds }) -join ', ')"
    $failedFiles = @($done | Where-Object Failed -GT 0 | ForEach-Object Name)
    if ($failedFiles) { Write-Host "Failed files: $($failedFiles -join ', ')" -ForegroundColor Red }
    $inconclusiveFiles = @($done | Where-Object Inconclusive -GT 0 | ForEach-Object Name)
    if ($inconclusiveFiles) { Write-Host "Files with inconclusive tests: $($inconclusiveFiles -join ', ')" -ForegroundColor Yellow }
    Write-Host "Tests Passed: $passed, Failed: $failed, Skipped: $skipped, Inconclusive: $inconclusive"
    Write-Result $passed $failed $skipped $inconclusive
    $failed -eq 0
}

$files = Get-TestFile $Path
$ok = if ($Parallel -le 1 -or $files.Count -le 1) { Invoke-InThisProcess $files } else { Invoke-InParallel $files }
if (-not $ok) { exit 1 }
