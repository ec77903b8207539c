#Requires -Version 7.4
# Starts what the build, the tests, the demo and the bench run beside this process: a fresh pwsh of the same
# PowerShell (as a user in a new terminal gets), LocalAws, and finds the build's outputs.

Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath

function Get-BuildOutput {
    <#
    .SYNOPSIS
    The full path of a project's build output (MSBuild's TargetPath) for -Configuration, read from the project, so
    no caller names a target framework folder. Throws when the project is not built.
    .EXAMPLE
    Get-BuildOutput tests/LocalAws/LocalAws.csproj
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Project,
        [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
    )
    $projectPath = if ([IO.Path]::IsPathRooted($Project)) { $Project } else { Join-Path $script:RepoRoot $Project }
    $output = & dotnet msbuild $projectPath -nologo -getProperty:TargetPath "-property:Configuration=$Configuration" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Could not read the build output of ${projectPath}: $($output -join [Environment]::NewLine)" }
    $path = ($output | Select-Object -Last 1).ToString().Trim()
    if (-not (Test-Path -LiteralPath $path)) {
        throw "$projectPath is not built for $Configuration ($path is missing). Build it first: dotnet pwsh ./build.ps1 -Task Build"
    }
    $path
}

function Get-PortableRid {
    <#
    .SYNOPSIS
    This machine's portable runtime identifier, as the build names the native credential_process helper's folder
    (native/<rid>/): win-x64, win-arm64, linux-x64, linux-arm64, linux-musl-x64, linux-musl-arm64, osx-x64 or osx-arm64.
    #>
    [CmdletBinding()]
    param()
    $ri = [System.Runtime.InteropServices.RuntimeInformation]
    $os = if ($IsWindows) { 'win' }
    elseif ($IsMacOS) { 'osx' }
    elseif ($ri::RuntimeIdentifier -like '*musl*' -or (Test-Path '/etc/alpine-release') -or @(Get-Item '/lib/ld-musl-*' -ErrorAction SilentlyContinue).Count -gt 0) { 'linux-musl' }
    else { 'linux' }
    $arch = switch ($ri::OSArchitecture) {
        'X64' { 'x64' }
        'Arm64' { 'arm64' }
        default { throw "No native credential_process helper is built for the $_ architecture." }
    }
    "$os-$arch"
}

function Get-CredentialProcessHelper {
    <#
    .SYNOPSIS
    The native credential_process helper in a built module folder for this machine's runtime identifier
    (native/<rid>/dynamicawscreds-credential-process, .exe on Windows), or $null where none was built.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ModulePath)
    $name = if ($IsWindows) { 'dynamicawscreds-credential-process.exe' } else { 'dynamicawscreds-credential-process' }
    $folder = if (Test-Path -LiteralPath $ModulePath -PathType Leaf) { Split-Path $ModulePath } else { $ModulePath }
    $helper = Join-Path $folder 'native' (Get-PortableRid) $name
    if (Test-Path -LiteralPath $helper -PathType Leaf) { $helper } else { $null }
}

function New-PwshStartInfo {
    # A fresh pwsh of this PowerShell: the pinned dotnet tool runs as 'dotnet pwsh.dll', an installed pwsh as itself.
    param([string[]] $Arguments, [System.Collections.IDictionary] $Environment, [bool] $Redirect)
    $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path -LiteralPath $pwshDll) { $info.ArgumentList.Add($pwshDll) }
    foreach ($a in @('-NoLogo', '-NoProfile', '-NonInteractive') + $Arguments) { $info.ArgumentList.Add([string]$a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $Redirect
    $info.RedirectStandardError = $Redirect
    $info.RedirectStandardInput = $Redirect
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { $null = $info.Environment.Remove($name) }
        else { $info.Environment[$name] = [string]$Environment[$name] }
    }
    $info
}

function Get-PwshArguments([string] $File, [string] $Command, [string[]] $ArgumentList) {
    if ($File) { @('-File', $File) + $ArgumentList } else { @('-Command', $Command) }
}

function Start-Pwsh {
    <#
    .SYNOPSIS
    Starts a fresh pwsh (-NoLogo -NoProfile -NonInteractive) on -File (with -ArgumentList) or -Command, without waiting.
    Returns the Process, with its stdin closed and notes StdOut and StdErr: tasks that end with all it wrote.
    -Environment is added to the child's environment only; a $null value removes that variable from it.
    #>
    [CmdletBinding(DefaultParameterSetName = 'File')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'File')] [string] $File,
        [Parameter(ParameterSetName = 'File')] [string[]] $ArgumentList = @(),
        [Parameter(Mandatory, ParameterSetName = 'Command')] [string] $Command,
        [System.Collections.IDictionary] $Environment = @{}
    )
    $info = New-PwshStartInfo (Get-PwshArguments $File $Command $ArgumentList) $Environment $true
    $process = [Diagnostics.Process]::Start($info)
    $process.StandardInput.Close()
    $process | Add-Member -NotePropertyName StdOut -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
    $process | Add-Member -NotePropertyName StdErr -NotePropertyValue $process.StandardError.ReadToEndAsync()
    $process
}

function Invoke-Pwsh {
    <#
    .SYNOPSIS
    Runs a fresh pwsh (-NoLogo -NoProfile -NonInteractive) on -File (with -ArgumentList) or -Command and waits for it.
    Returns { ExitCode, StdOut, StdErr, Milliseconds } (Milliseconds: from start to exit). With -Stream its output goes
    straight to this console as it is written, and StdOut and StdErr are empty. -Environment is added to the child's
    environment only; a $null value removes that variable from it. Past -TimeoutSeconds (0: none) the process is killed
    and this throws with what it wrote.
    .EXAMPLE
    (Invoke-Pwsh -Command 'Get-Date | Out-Null').Milliseconds
    #>
    [CmdletBinding(DefaultParameterSetName = 'File')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'File')] [string] $File,
        [Parameter(ParameterSetName = 'File')] [string[]] $ArgumentList = @(),
        [Parameter(Mandatory, ParameterSetName = 'Command')] [string] $Command,
        [System.Collections.IDictionary] $Environment = @{},
        [int] $TimeoutSeconds = 0,
        [switch] $Stream
    )
    $info = New-PwshStartInfo (Get-PwshArguments $File $Command $ArgumentList) $Environment (-not $Stream)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($info)
    try {
        $stdout = $stderr = $null
        if (-not $Stream) {
            $process.StandardInput.Close()
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
        }
        if ($TimeoutSeconds -gt 0) {
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                $process.WaitForExit(5000) | Out-Null
                throw "pwsh did not finish within $TimeoutSeconds s.`nstdout:`n$(if ($stdout) { $stdout.Result })`nstderr:`n$(if ($stderr) { $stderr.Result })"
            }
        }
        $process.WaitForExit()
        $clock.Stop()
        [pscustomobject]@{
            ExitCode     = $process.ExitCode
            StdOut       = if ($stdout) { $stdout.Result } else { '' }
            StdErr       = if ($stderr) { $stderr.Result } else { '' }
            Milliseconds = $clock.Elapsed.TotalMilliseconds
        }
    }
    finally { $process.Dispose() }
}

function Start-LocalAws {
    <#
    .SYNOPSIS
    Starts LocalAws on a free loopback port and returns { Endpoint, Port, RootAccessKey, RootSecretKey, Process,
    ContainerCredentialsUri, ContainerAuthorizationToken }. ContainerCredentialsUri is LocalAws's ECS/EKS container
    credentials endpoint (for AWS_CONTAINER_CREDENTIALS_FULL_URI); ContainerAuthorizationToken is the value given
    with --container-auth-token (for AWS_CONTAINER_AUTHORIZATION_TOKEN), or $null. Without -LocalAwsDll, the Release
    build of tests/LocalAws.
    .EXAMPLE
    $aws = Start-LocalAws -ArgumentList '--fail', 'CreateAccessKey:1'
    #>
    [CmdletBinding()]
    param(
        [string[]] $ArgumentList = @(),
        [string] $LocalAwsDll,
        [int] $TimeoutSeconds = 30
    )

    $dll = if ($LocalAwsDll) { (Resolve-Path -LiteralPath $LocalAwsDll -ErrorAction Stop).ProviderPath } else { Get-BuildOutput tests/LocalAws/LocalAws.csproj }
    # LocalAws's own defaults, unless the arguments name others.
    $accessKey = 'AKIAIOSFODNN7EXAMPLE'
    $secretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $containerToken = $null
    for ($i = 0; $i -lt $ArgumentList.Count - 1; $i++) {
        if ($ArgumentList[$i] -eq '--root-access-key') { $accessKey = $ArgumentList[$i + 1] }
        if ($ArgumentList[$i] -eq '--root-secret-key') { $secretKey = $ArgumentList[$i + 1] }
        if ($ArgumentList[$i] -eq '--container-auth-token') { $containerToken = $ArgumentList[$i + 1] }
    }

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0') + $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)

    $endpoint = $null
    while (-not $endpoint) {
        $remaining = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
        $read = $process.StandardOutput.ReadLineAsync()
        if (-not $read.Wait($remaining)) {
            try { $process.Kill($true) } catch { Write-Verbose "kill: $_" }
            throw "LocalAws did not report 'LocalAws listening on' within $TimeoutSeconds s."
        }
        $line = $read.Result
        if ($null -eq $line) {
            $process.WaitForExit(5000) | Out-Null
            $err = if ($stderr.Wait(2000)) { $stderr.Result } else { '' }
            $code = if ($process.HasExited) { $process.ExitCode } else { '?' }
            throw "LocalAws exited (code $code) before listening: $err"
        }
        if ($line -match '^LocalAws listening on (http://\S+?)/?$') { $endpoint = $Matches[1] }
    }

    $keyLine = $process.StandardOutput.ReadLineAsync()
    if ($keyLine.Wait(5000) -and $keyLine.Result -match '^Root access key: (\S+)$') { $accessKey = $Matches[1] }

    [pscustomobject]@{
        PSTypeName                  = 'LocalAws.Server'
        Endpoint                    = $endpoint
        Port                        = ([Uri]$endpoint).Port
        RootAccessKey               = $accessKey
        RootSecretKey               = $secretKey
        Process                     = $process
        ContainerCredentialsUri     = "$endpoint/container-credentials/localaws-container-role"
        ContainerAuthorizationToken = $containerToken
    }
}

function Stop-LocalAws {
    <# .SYNOPSIS Stops a LocalAws started by Start-LocalAws (closes its stdin, then kills it if it lingers). #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Server)
    process {
        $p = $Server.Process
        if ($null -eq $p) { return }
        try {
            if (-not $p.HasExited) {
                try { $p.StandardInput.Close() } catch { Write-Verbose "stdin: $_" }
                if (-not $p.WaitForExit(5000)) { $p.Kill($true); $p.WaitForExit(5000) | Out-Null }
            }
        }
        finally { $p.Dispose() }
    }
}

function Install-Dynalite {
    <# .SYNOPSIS Installs tests/dynalite's pinned packages (npm ci) unless they are in place; returns the path of its server.js. #>
    [CmdletBinding()]
    param()
    $folder = Join-Path (Split-Path $PSScriptRoot -Parent) 'dynalite'
    $marker = Join-Path $folder 'node_modules/.package-lock.json'
    $lock = Join-Path $folder 'package-lock.json'
    if (-not (Test-Path $marker) -or [IO.File]::GetLastWriteTimeUtc($lock) -gt [IO.File]::GetLastWriteTimeUtc($marker)) {
        # Install scripts are not run: dynalite keeps its tables in memory and needs no native build.
        & npm ci --prefix $folder --ignore-scripts --no-audit --no-fund --loglevel error | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "npm ci in $folder failed (exit $LASTEXITCODE)." }
    }
    Join-Path $folder 'server.js'
}

function Start-Dynalite {
    <#
    .SYNOPSIS
    Starts dynalite (an independent, in-memory DynamoDB implementation) on a free loopback port and returns
    { Endpoint, Port, Process }. Tables take -CreateMs to become ACTIVE, as on AWS they take a while.
    .EXAMPLE
    $ddb = Start-Dynalite; $env:DYNAMICAWSCREDS_STORE = "dynamodb://team?region=us-east-1&endpoint=$($ddb.Endpoint)"
    #>
    [CmdletBinding()]
    param([int] $CreateMs = 500, [int] $TimeoutSeconds = 30)

    $server = Install-Dynalite
    $psi = [System.Diagnostics.ProcessStartInfo]::new('node')
    foreach ($a in @($server, '--create-ms', $CreateMs, '--delete-ms', $CreateMs)) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait($TimeoutSeconds * 1000)) {
        try { $process.Kill($true) } catch { Write-Verbose "kill: $_" }
        throw "dynalite did not report 'dynalite listening on' within $TimeoutSeconds s."
    }
    if ($read.Result -notmatch '^dynalite listening on (http://\S+)$') {
        $process.WaitForExit(5000) | Out-Null
        $err = if ($stderr.Wait(2000)) { $stderr.Result } else { '' }
        throw "dynalite did not start: $($read.Result) $err"
    }
    $endpoint = $Matches[1]
    [pscustomobject]@{ PSTypeName = 'Dynalite.Server'; Endpoint = $endpoint; Port = ([Uri]$endpoint).Port; Process = $process }
}

function Stop-Dynalite {
    <# .SYNOPSIS Stops a dynalite started by Start-Dynalite. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Server)
    process { Stop-LocalAws -Server $Server }
}

Export-ModuleMember -Function Get-BuildOutput, Get-PortableRid, Get-CredentialProcessHelper, Start-Pwsh, Invoke-Pwsh, Start-LocalAws, Stop-LocalAws, Install-Dynalite, Start-Dynalite, Stop-Dynalite
