# Register-AwsCredentialProfile and Unregister-AwsCredentialProfile as a user types them, and the profile they write
# run by a consumer nobody here wrote: AWSSDK.Core's own profile resolution and credential_process support.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    # A store and a config file in folders with spaces: the credential_process line has to quote them.
    $script:folder = Join-Path ([IO.Path]::GetTempPath()) "dac profile $([guid]::NewGuid().ToString('n'))"
    $script:store = Join-Path $script:folder 'my store/store.db'
    $env:DYNAMICAWSCREDS_STORE = $script:store
    Enable-SecretsEngine aws | Out-Null
    Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint
    Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess

    function New-ConfigPath { Join-Path $script:folder "aws config $([guid]::NewGuid().ToString('n'))/config" }

    # A config file of the user's, with exactly this text.
    function New-ConfigFile([string] $Text) {
        $config = New-ConfigPath
        New-Item -ItemType Directory (Split-Path $config) | Out-Null
        [IO.File]::WriteAllText($config, $Text)
        $config
    }

    # The helper Register-AwsCredentialProfile uses where the module has one for this platform.
    function Get-HelperPath {
        $os = $IsWindows ? 'win' : $IsMacOS ? 'osx' : (Test-Path /etc/alpine-release) ? 'linux-musl' : 'linux'
        $rid = "$os-$([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())"
        Join-Path (Get-TestModulePath) "native/$rid/dynamicawscreds-credential-process$($IsWindows ? '.exe' : '')"
    }
}
AfterAll {
    Get-Lease | Revoke-Lease -Force -ErrorAction SilentlyContinue | Out-Null
    Stop-LocalAws $script:server
    Remove-Item -LiteralPath $script:folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Register-AwsCredentialProfile' {
    It 'writes [profile <name>] with a credential_process for the role and the store in force, every other line kept' {
        $before = "# mine`r`n[default]`r`nregion = eu-west-1`r`n"
        $config = New-ConfigFile $before

        $registered = Register-AwsCredentialProfile dev dev -ConfigFile $config

        $registered.PSObject.TypeNames[0] | Should -Be 'DynamicAwsCreds.AwsCredentialProfile'
        $registered.ProfileName | Should -Be 'dev'
        $registered.ConfigFile | Should -Be $config
        $registered.UsesHelper | Should -Be (Test-Path -LiteralPath (Get-HelperPath))
        $text = [IO.File]::ReadAllText($config)
        $text | Should -Be "$before`r`n[profile dev]`r`n$(($text -split "`r`n")[5])`r`ncredential_process = $($registered.CredentialProcess)`r`n"
        ($text -split "`r`n")[5] | Should -BeLike '# DynamicAwsCreds: *Register-AwsCredentialProfile'

        $registered.CredentialProcess | Should -Match ([regex]::Escape($script:store))
    }

    It 'creates a missing file and folder owner-only, and [default] for the default profile, from AWS_CONFIG_FILE' {
        $config = New-ConfigPath
        $env:AWS_CONFIG_FILE = $config
        try { Register-AwsCredentialProfile default dev | Out-Null }
        finally { Remove-Item Env:AWS_CONFIG_FILE }
        (Get-Content -LiteralPath $config)[0] | Should -Be '[default]'
        if (-not $IsWindows) {
            (Get-Item -LiteralPath $config).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
            (Get-Item -LiteralPath (Split-Path $config)).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
    }

    It 'writes nothing with -WhatIf' {
        $config = New-ConfigPath
        Register-AwsCredentialProfile dev dev -ConfigFile $config -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Split-Path $config) | Should -BeFalse
    }

    It 'refuses a role or mount that does not exist and writes nothing (<Reason>)' -ForEach @(
        @{ Reason = 'RoleNotFound'; Arguments = @{ Role = 'nope' } }
        @{ Reason = 'MountNotFound'; Arguments = @{ Role = 'dev'; Mount = 'elsewhere' } }
    ) {
        $config = New-ConfigPath
        $err = { Register-AwsCredentialProfile -ProfileName dev -ConfigFile $config @Arguments } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        Test-Path -LiteralPath $config | Should -BeFalse
    }

    It 'refuses a profile with credentials it did not write, naming them, and with -Force warns of the keys that stay' {
        $before = "[profile dev]`naws_access_key_id = AKIDEXAMPLE`ncredential_process = /other/tool`n"
        $config = New-ConfigFile $before

        $err = { Register-AwsCredentialProfile dev dev -ConfigFile $config } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.ProfileHasCredentials,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -Match 'aws_access_key_id, credential_process'
        [IO.File]::ReadAllText($config) | Should -Be $before

        $registered = Register-AwsCredentialProfile dev dev -ConfigFile $config -Force -WarningVariable warnings 3>$null
        "$warnings" | Should -Match '\(aws_access_key_id\)'
        $text = [IO.File]::ReadAllText($config)
        $text | Should -Not -Match '/other/tool'
        $text | Should -Match 'aws_access_key_id = AKIDEXAMPLE'

        $registered | Unregister-AwsCredentialProfile
        [IO.File]::ReadAllText($config) | Should -Be "[profile dev]`naws_access_key_id = AKIDEXAMPLE`n"
    }

    It 'shows its output in 80 columns' {
        $registered = Register-AwsCredentialProfile view dev -ConfigFile (New-ConfigPath)
        $lines = ($registered | Out-String -Width 80) -split "`r?`n"
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        ($lines -join "`n") | Should -Match 'ProfileName\s+: view'
        ($lines -join "`n") | Should -Match 'UsesHelper\s+: (True|False)'
    }
}

Describe 'Unregister-AwsCredentialProfile' {
    It 'removes the section it created and gives back the file as it was; -WhatIf changes nothing' {
        $before = "[default]`nregion = eu-west-1`n"
        $config = New-ConfigFile $before
        Register-AwsCredentialProfile dev dev -ConfigFile $config | Out-Null
        $registered = [IO.File]::ReadAllText($config)

        Unregister-AwsCredentialProfile dev -ConfigFile $config -WhatIf
        [IO.File]::ReadAllText($config) | Should -Be $registered
        Unregister-AwsCredentialProfile dev -ConfigFile $config
        [IO.File]::ReadAllText($config) | Should -Be $before
    }

    It 'refuses a profile it did not write, and one that is not there (<Reason>)' -ForEach @(
        @{ Reason = 'ProfileNotRegistered'; Name = 'theirs' }
        @{ Reason = 'ProfileNotFound'; Name = 'missing' }
    ) {
        $before = "[profile theirs]`ncredential_process = /their/tool`n"
        $config = New-ConfigFile $before
        $err = { Unregister-AwsCredentialProfile $Name -ConfigFile $config } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        [IO.File]::ReadAllText($config) | Should -Be $before
    }
}

Describe 'AWSSDK.Core runs the profile Register-AwsCredentialProfile wrote' {
    BeforeAll {
        # The module without its native folder, as on a platform no helper was built for: Register writes the PowerShell line.
        $script:withoutHelper = Join-Path $script:folder 'module copy/DynamicAwsCreds'
        Copy-Item -LiteralPath (Get-TestModulePath) -Destination $script:withoutHelper -Recurse
        Remove-Item -LiteralPath (Join-Path $script:withoutHelper 'native') -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'resolves it through its own profile chain twice, against LocalAws: the same access key, one IAM user (<Line> line)' -ForEach @(
        @{ Line = 'helper' }
        @{ Line = 'PowerShell' }
    ) {
        if ($Line -eq 'helper' -and -not (Test-Path -LiteralPath (Get-HelperPath))) {
            Set-ItResult -Skipped -Because 'no native helper was built for this platform'
            return
        }
        Get-Lease | Revoke-Lease -Force | Out-Null
        Clear-VaultUsers $script:server
        $config = New-ConfigPath
        $module = $Line -eq 'helper' ? (Get-TestModulePath) : $script:withoutHelper
        $register = Invoke-Pwsh -Command "Import-Module '$($module -replace "'", "''")'; Register-AwsCredentialProfile sdk-test dev -ConfigFile '$($config -replace "'", "''")' | ConvertTo-Json -Compress" `
            -Environment @{ DYNAMICAWSCREDS_STORE = $script:store }
        $register.ExitCode | Should -Be 0 -Because $register.StdErr
        $registered = $register.StdOut | ConvertFrom-Json
        $registered.UsesHelper | Should -Be ($Line -eq 'helper')

        $sdk = Join-Path (Get-TestModulePath) 'dependencies/AWSSDK.Core.dll'
        # A pwsh without the module: only AWSSDK.Core, resolving the profile from AWS_CONFIG_FILE as any SDK program does.
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -LiteralPath '$($sdk -replace "'", "''")'
`$chain = [Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain]::new()
`$credentials = `$null
if (-not `$chain.TryGetAWSCredentials('sdk-test', [ref] `$credentials)) { throw 'the SDK found no profile sdk-test' }
`$immutable = `$credentials.GetCredentials()
[pscustomobject]@{ Type = `$credentials.GetType().FullName; AccessKey = `$immutable.AccessKey; HasSecret = [bool]`$immutable.SecretKey } | ConvertTo-Json -Compress
"@
        $environment = @{
            AWS_CONFIG_FILE = $config
            AWS_SHARED_CREDENTIALS_FILE = Join-Path $script:folder 'no-credentials-file'
            DYNAMICAWSCREDS_STORE = $null
            AWS_PROFILE = $null
        }
        $answers = foreach ($run in 1..2) {
            $result = Invoke-Pwsh -Command $script -Environment $environment
            $result.ExitCode | Should -Be 0 -Because "run $run of $($registered.CredentialProcess): $($result.StdErr)"
            $result.StdOut | ConvertFrom-Json
        }

        $answers[0].Type | Should -Be 'Amazon.Runtime.ProcessAWSCredentials'
        $answers[0].AccessKey | Should -Not -BeNullOrEmpty
        $answers[0].HasSecret | Should -BeTrue
        $answers[1].AccessKey | Should -Be $answers[0].AccessKey
        @(Get-VaultUserNames $script:server).Count | Should -Be 1
    }
}
