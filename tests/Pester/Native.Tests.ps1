# PowerShell-native: binding into Set-AWSCredential, export formats and credential_process,
# ephemeral scopes, waiting for a key to propagate, completion, verbose lines without secrets.
# LocalAws is as eventually consistent as IAM: new users, policies and keys reach other calls after up to 2 s,
# and a new key is refused for 2 s.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws -EventuallyConsistent
    $script:store = New-TestStore
    $env:DYNAMICAWSCREDS_STORE = $script:store
    Enable-SecretsEngine aws | Out-Null
    Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
    Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint

    # A fresh pwsh on this file's store, as a credential_process runs.
    function Invoke-StorePwsh([string] $Command) { Invoke-Pwsh -Command $Command -Environment @{ DYNAMICAWSCREDS_STORE = $script:store } }
}
AfterAll {
    Revoke-Lease -Prefix aws/ -Force | Out-Null
    Stop-LocalAws $script:server
    Remove-TestStore $script:store
}

Describe 'Piping into Set-AWSCredential' {
    It 'binds AccessKey, SecretKey and SessionToken by property name, in set BasicOrSession only' {
        $cred = Get-AwsCredential dev
        $bound = $cred | Set-AWSCredential
        $bound.Set | Should -Be 'BasicOrSession'
        # iam_user credentials carry SessionToken = $null: it binds empty, which Set-AWSCredential reads as "no token".
        @($bound.Bound | Where-Object { $_ -notin 'AccessKey', 'SecretKey', 'SessionToken' }) | Should -BeNullOrEmpty
        $bound.Values.AccessKey | Should -Be $cred.AccessKey
        $bound.Values.SecretKey | Should -Be $cred.SecretKey
        $bound.Values.SessionToken | Should -BeNullOrEmpty
        Revoke-Lease $cred.LeaseId | Out-Null
    }

    It 'binds the session token of STS credentials too' {
        Set-AwsRole session -CredentialType session_token
        $cred = Get-AwsCredential session
        $bound = $cred | Set-AWSCredential
        $bound.Set | Should -Be 'BasicOrSession'
        $bound.Bound | Should -Be @('AccessKey', 'SecretKey', 'SessionToken')
    }
}

Describe 'Export-AwsCredential' {
    It 'writes <Format>' -ForEach @(
        @{ Format = 'CredentialProcess'; Pattern = '^\{"Version":1,"AccessKeyId":"AKIA[A-Z0-9]{16}","SecretAccessKey":"[^"]{40}","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$' }
        @{ Format = 'Env'; Pattern = "^export AWS_ACCESS_KEY_ID='AKIA[A-Z0-9]{16}'\r?\nexport AWS_SECRET_ACCESS_KEY='[^']{40}'$" }
        @{ Format = 'PowerShell'; Pattern = "^\`$env:AWS_ACCESS_KEY_ID = 'AKIA[A-Z0-9]{16}'\r?\n\`$env:AWS_SECRET_ACCESS_KEY = '[^']{40}'$" }
        @{ Format = 'Ini'; Pattern = "^\[dev\]\r?\naws_access_key_id = AKIA[A-Z0-9]{16}\r?\naws_secret_access_key = \S{40}$" }
    ) {
        $cred = Get-AwsCredential dev
        $text = $cred | Export-AwsCredential -Format $Format
        $text | Should -Match $Pattern
        $text | Should -Match ([regex]::Escape($cred.AccessKey))
        Revoke-Lease $cred.LeaseId | Out-Null
    }

    It 'the PowerShell format sets the variables when run' {
        $cred = Get-AwsCredential dev
        $saved = $env:AWS_ACCESS_KEY_ID
        try {
            Invoke-Expression ($cred | Export-AwsCredential -Format PowerShell)
            $env:AWS_ACCESS_KEY_ID | Should -Be $cred.AccessKey
            $env:AWS_SECRET_ACCESS_KEY | Should -Be $cred.SecretKey
        }
        finally {
            $env:AWS_ACCESS_KEY_ID = $saved; $env:AWS_SECRET_ACCESS_KEY = $null
            Revoke-Lease $cred.LeaseId | Out-Null
        }
    }

    It 'as a credential_process, reuses the cached lease instead of making a user per call' {
        $command = "Import-Module '$(Get-TestModulePath)'; Export-AwsCredential -Role dev -Format CredentialProcess -Cache"
        $first = Invoke-StorePwsh $command
        $second = Invoke-StorePwsh $command
        $first.ExitCode | Should -Be 0 -Because $first.StdErr
        $a = $first.StdOut | ConvertFrom-Json
        $b = $second.StdOut | ConvertFrom-Json
        $a.Version | Should -Be 1
        $b.AccessKeyId | Should -Be $a.AccessKeyId
        $b.SecretAccessKey | Should -Be $a.SecretAccessKey
        @(Get-Lease -Role dev).Count | Should -Be 1
        # The cache is sealed at rest like the root secret. The files are read by another process: closing a file this
        # process opened would drop the SQLite locks its open store holds (POSIX locks are per process), and a later
        # process would then take itself for the store's last user and check the WAL out from under this one.
        $search = "`$s = '$($a.SecretAccessKey -replace "'", "''")'; Get-ChildItem '$(Split-Path $script:store)' -File | " +
            "Where-Object { [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes(`$_.FullName)).Contains(`$s) } | ForEach-Object Name"
        $found = Invoke-StorePwsh $search
        $found.ExitCode | Should -Be 0 -Because $found.StdErr
        $found.StdOut | Should -BeNullOrEmpty
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
        $third = Invoke-StorePwsh $command
        ($third.StdOut | ConvertFrom-Json).AccessKeyId | Should -Not -Be $a.AccessKeyId
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
    }

    It 'as a credential_process, fails on stderr with a non-zero exit and no secret' {
        $result = Invoke-StorePwsh "Import-Module '$(Get-TestModulePath)'; Export-AwsCredential -Role no-such-role -Format CredentialProcess -Cache"
        $result.ExitCode | Should -Not -Be 0
        $result.StdOut | Should -BeNullOrEmpty
        $result.StdErr | Should -Match 'no-such-role'
        $result.StdErr | Should -Not -Match ([regex]::Escape($script:server.RootSecretKey))
    }

    It 'prints a new key only once AWS accepts it, or at once with -NoWait' {
        $ready = Export-AwsCredential -Role dev | ConvertFrom-Json
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $ready.AccessKeyId -SecretKey $ready.SecretAccessKey
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -BeLike '*:user/vault-*'

        $early = Export-AwsCredential -Role dev -NoWait | ConvertFrom-Json
        { Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $early.AccessKeyId -SecretKey $early.SecretAccessKey } |
            Should -Throw -ErrorId 'LocalAws.InvalidClientTokenId*'
        Revoke-Lease -Prefix aws/creds/dev | Out-Null
    }

    It 'issues nothing under -WhatIf' {
        Export-AwsCredential -Role dev -WhatIf | Should -BeNullOrEmpty
        Get-Lease -Role dev | Should -BeNullOrEmpty
    }

    It 'refuses an unknown format' {
        { Export-AwsCredential -Role dev -Format Yaml } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidExportFormat*'
        Get-Lease -Role dev | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-WithAwsCredential' {
    BeforeEach { $env:AWS_ACCESS_KEY_ID = 'outer-value'; $env:AWS_SECRET_ACCESS_KEY = $null; $env:AWS_SESSION_TOKEN = $null }
    AfterEach { $env:AWS_ACCESS_KEY_ID = $null }

    It 'sets the variables only while the block runs, then revokes' {
        $seen = Invoke-WithAwsCredential dev { [pscustomobject]@{ Key = $env:AWS_ACCESS_KEY_ID; Secret = $env:AWS_SECRET_ACCESS_KEY } }
        $seen.Key | Should -Match '^AKIA'
        $seen.Secret.Length | Should -Be 40
        $env:AWS_ACCESS_KEY_ID | Should -Be 'outer-value'
        $env:AWS_SECRET_ACCESS_KEY | Should -BeNullOrEmpty
        Get-Lease -Role dev | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }

    It 'revokes and restores when the block throws' {
        { Invoke-WithAwsCredential dev { throw 'boom' } } | Should -Throw '*boom*'
        $env:AWS_ACCESS_KEY_ID | Should -Be 'outer-value'
        Get-Lease -Role dev | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }

    It 'revokes when a downstream Select-Object -First stops the pipeline' {
        $first = Invoke-WithAwsCredential dev { 1; 2; 3 } | Select-Object -First 1
        $first | Should -Be 1
        Get-Lease -Role dev | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }

    It 'streams the block''s output downstream as it is written' {
        $global:dacAfterFirst = $false
        $seen = Invoke-WithAwsCredential dev { 1; $global:dacAfterFirst = $true; 2 } |
            ForEach-Object { [pscustomobject]@{ Value = $_; BlockWentOn = $global:dacAfterFirst } }
        $seen[0].BlockWentOn | Should -BeFalse
        $seen[1].BlockWentOn | Should -BeTrue

        $global:dacRanOn = $false
        Invoke-WithAwsCredential dev { 'first'; $global:dacRanOn = $true } | Select-Object -First 1 | Should -Be 'first'
        $global:dacRanOn | Should -BeFalse
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Remove-Variable dacAfterFirst, dacRanOn -Scope Global
    }

    It 'starts the block once AWS accepts the new key, or at once with -NoWait' {
        $probe = {
            try {
                $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $env:AWS_ACCESS_KEY_ID -SecretKey $env:AWS_SECRET_ACCESS_KEY
                $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn
            }
            catch { $_.Exception.Data['Code'] }
        }
        Invoke-WithAwsCredential dev $probe | Should -BeLike '*:user/vault-*'
        Invoke-WithAwsCredential dev $probe -NoWait | Should -Be 'InvalidClientTokenId'
        Get-Lease -Role dev | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
    }

    It 'runs nothing and revokes when AWS has not accepted the key within -Timeout' {
        $global:dacRan = $false
        { Invoke-WithAwsCredential dev { $global:dacRan = $true } -Timeout 1 } | Should -Throw -ErrorId 'DynamicAwsCreds.CredentialNotUsable*'
        $global:dacRan | Should -BeFalse
        Get-Lease -Role dev | Should -BeNullOrEmpty
        Get-VaultUserNames $script:server | Should -BeNullOrEmpty
        Remove-Variable dacRan -Scope Global
    }

    It 'refuses -NoWait with -WaitUntilUsable, issuing nothing' {
        { Invoke-WithAwsCredential dev { 'ran' } -NoWait -WaitUntilUsable } | Should -Throw -ErrorId 'DynamicAwsCreds.ConflictingParameters*'
        Get-Lease -Role dev | Should -BeNullOrEmpty
    }

    It 'passes -ArgumentList to the block' {
        Invoke-WithAwsCredential dev { param($a, $b) "$a-$b" } -ArgumentList x, y | Should -Be 'x-y'
    }

    It 'revokes when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$env:DYNAMICAWSCREDS_STORE = '$script:store'; Import-Module '$(Get-TestModulePath)'; Invoke-WithAwsCredential dev { Start-Sleep -Seconds 60 }")
        $handle = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Get-VaultUserNames $script:server) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-VaultUserNames $script:server | Should -HaveCount 1
        $ps.Stop()
        $ps.Dispose()
        # Stop() can return while the command's clean-up still runs: the revoke waits for IAM to list the new key.
        Wait-Until -Because 'the stopped command revokes its lease' { -not (Get-VaultUserNames $script:server) -and -not (Get-Lease -Role dev) }
        Get-Lease -Role dev | Should -BeNullOrEmpty
        $env:AWS_ACCESS_KEY_ID | Should -Be 'outer-value'
    }
}

Describe 'Waiting for a new key to work' {
    It 'returns only once AWS accepts the key with -WaitUntilUsable' {
        $cred = Get-AwsCredential dev
        { Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey } |
            Should -Throw -ExpectedMessage '*InvalidClientTokenId*'

        $ready = Get-AwsCredential dev -WaitUntilUsable -Timeout 20s
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $ready.AccessKey -SecretKey $ready.SecretKey
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -BeLike "*user/$($ready.UserName)"
    }
}

Describe 'Completion and verbose output' {
    It 'completes role names, lease ids and mount paths' {
        Set-AwsRole developer-access -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
        $cred = Get-AwsCredential developer-access
        $roles = (TabExpansion2 -inputScript 'Get-AwsCredential deve' -cursorColumn 'Get-AwsCredential deve'.Length).CompletionMatches.CompletionText
        $roles | Should -Contain 'developer-access'
        $line = 'Revoke-Lease aws/creds/developer-access/'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $cred.LeaseId
        $prefix = 'Revoke-Lease -Prefix aws/cr'
        (TabExpansion2 -inputScript $prefix -cursorColumn $prefix.Length).CompletionMatches.CompletionText | Should -Contain 'aws/creds/developer-access/'
        $mounts = (TabExpansion2 -inputScript 'Get-SecretsEngine a' -cursorColumn 'Get-SecretsEngine a'.Length).CompletionMatches.CompletionText
        $mounts | Should -Contain 'aws'
        Revoke-Lease $cred.LeaseId | Out-Null
    }

    It 'prints each AWS call with -Verbose and never a secret' {
        $verbose = Get-AwsCredential dev -Verbose 4>&1
        $cred = $verbose | Where-Object { $_ -is [DynamicAwsCreds.AwsCredentialLease] }
        $lines = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $lines | Should -Contain ($lines | Where-Object { $_ -match '^AWS IAM CreateUser vault-\S+: 200 in \d+ ms' })
        $lines | Where-Object { $_ -match 'CreateAccessKey' } | Should -Not -BeNullOrEmpty
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($cred.SecretKey))
        ($lines -join "`n") | Should -Not -Match ([regex]::Escape($script:server.RootSecretKey))
        Revoke-Lease $cred.LeaseId | Out-Null
    }
}
