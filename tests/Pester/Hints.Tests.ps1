# What a new user meets: durations as they type them, tables that fit a terminal, errors that say what to
# type instead, and revoking a lease twice.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
}
AfterAll { if ($script:server) { Stop-LocalAws $script:server } }

Describe 'Durations as users type them' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole developer-access -PolicyArn $script:readOnly
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Remove-TestStore $script:store
    }

    It 'refuses an unquoted 1d (the decimal 1 to PowerShell) with a hint to quote it, and issues nothing' {
        $err = $null
        try { Get-AwsCredential developer-access -Ttl 1d } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.InvalidDuration,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be '1'
        $err.Exception.Message | Should -BeLike "*'1d'*"
        $err.Exception.Message | Should -BeLike '*86400*'
        @(Get-Lease).Count | Should -Be 0
    }

    It 'refuses a decimal or a fraction for every duration parameter: <Name>' -ForEach @(
        @{ Name = 'mount default TTL'; Command = { Enable-SecretsEngine aws -Path other -DefaultLeaseTtl 2d } }
        @{ Name = 'lease config'; Command = { Set-AwsLeaseConfig -Lease 1d -LeaseMax 2d } }
        @{ Name = 'fractional seconds'; Command = { Get-AwsCredential developer-access -Ttl 1.5 } }
    ) {
        { & $Command } | Should -Throw -ErrorId 'DynamicAwsCreds.InvalidDuration*'
        Get-SecretsEngine | Should -HaveCount 1
        (Get-AwsLeaseConfig).Lease | Should -BeNullOrEmpty
    }

    It 'keeps whole numbers as seconds, and quoted durations and TimeSpans as they are' {
        (Get-AwsCredential developer-access -Ttl 3600).LeaseDuration | Should -Be ([timespan]::FromHours(1))
        (Get-AwsCredential developer-access -Ttl '1d').LeaseDuration | Should -Be ([timespan]::FromDays(1))
        (Get-AwsCredential developer-access -Ttl ([timespan]::FromMinutes(90))).LeaseDuration | Should -Be ([timespan]::FromMinutes(90))
    }

    It 'caps a TTL over the maximum with a warning naming both' {
        Set-AwsLeaseConfig -Lease 1h -LeaseMax 2h
        try {
            $cred = Get-AwsCredential developer-access -Ttl 5h -WarningVariable warned -WarningAction SilentlyContinue
            $cred.LeaseDuration | Should -Be ([timespan]::FromHours(2))
            "$warned" | Should -BeLike '*5h*2h*'
            Get-AwsCredential developer-access -Ttl 90m -WarningVariable none -WarningAction SilentlyContinue | Out-Null
            $none | Should -BeNullOrEmpty
        }
        finally { Set-AwsLeaseConfig -Lease 768h -LeaseMax 768h }
    }

    It 'prints durations as Vault users write them, never 0h5m0s' {
        Set-AwsLeaseConfig -Lease 5m -LeaseMax 1h30m
        try {
            $shown = (Get-AwsLeaseConfig).ToString()
            $shown | Should -BeLike '*lease 5m,*max 1h30m*'
            $shown | Should -Not -BeLike '*0s*'
            Get-SecretsEngine | Out-String -Width 80 | Should -Match '\b768h\b'
            $err = $null
            try { Set-AwsLeaseConfig -Lease 2h -LeaseMax 90m } catch { $err = $_ }
            $err.Exception.Message | Should -BeLike '*(2h)*(1h30m)*'
        }
        finally { Set-AwsLeaseConfig -Lease 768h -LeaseMax 768h }
    }
}

Describe 'Revoking twice' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Set-AwsRole developer-access -PolicyArn $script:readOnly
    }
    AfterAll { Remove-TestStore $script:store }

    It 'succeeds quietly for a lease this store revoked, while an id it never issued stays LeaseNotFound' {
        $cred = Get-AwsCredential developer-access
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1

        $again = Revoke-Lease $cred.LeaseId -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned
        $failed | Should -BeNullOrEmpty
        $warned | Should -BeNullOrEmpty
        $again.Revoked | Should -Be 1
        $again.Failed | Should -Be 0
        $again.LeaseIds | Should -Be @($cred.LeaseId)
        ($cred | Revoke-Lease).Failed | Should -Be 0

        $never = $cred.LeaseId.Substring(0, $cred.LeaseId.Length - 24) + ('Z' * 24)
        { Revoke-Lease $never -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotFound*'
    }
}

Describe 'Output that fits 80 columns' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Enable-SecretsEngine aws -Path team/aws -DefaultLeaseTtl 1h -Description 'the team''s account' | Out-Null
        Set-AwsRole developer-access -PolicyArn $script:readOnly
        Set-AwsRole session -CredentialType session_token
        $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
        Invoke-LocalIam -Server $script:server -Action CreateRole -Parameters @{ RoleName = 'hints-deploy'; AssumeRolePolicyDocument = $trust } | Out-Null
        Set-AwsRole deploy -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/hints-deploy
        $script:creds = @(Get-AwsCredential developer-access; Get-AwsCredential session; Get-AwsCredential deploy)

        # The header line of a table: every column's label whole, on one line, none wrapped onto the next. A group
        # line above it (Get-SecretsEngine's "Store: <path> (<kind>)") is not part of the table.
        function Get-TableHeader([string] $Text) {
            $lines = $Text -split "`r?`n" | Where-Object { $_.Trim() -and $_ -notmatch '^\s*Store: ' }
            $lines[0], $lines[1]
        }
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Remove-TestStore $script:store
    }

    It '<Name> fits 80 columns with its headers whole: <Headers>' -ForEach @(
        @{ Name = 'Get-Lease'; Render = { Get-Lease }; Headers = 'LeaseId', 'Ttl', 'ExpireTime (UTC)' }
        @{ Name = 'a credential table'; Render = { $script:creds | Format-Table }; Headers = 'Role', 'AccessKey', 'Ttl', 'Expiration (UTC)' }
        @{ Name = 'Get-AwsRole'; Render = { Get-AwsRole }; Headers = 'Name', 'CredentialType', 'Ttl', 'MaxTtl', 'Grants' }
        @{ Name = 'Get-SecretsEngine'; Render = { Get-SecretsEngine }; Headers = 'Path', 'Type', 'LeaseCount', 'DefaultLeaseTtl', 'MaxLeaseTtl', 'Description' }
    ) {
        $text = & $Render | Out-String -Width 80
        $header, $rule = Get-TableHeader $text
        $rule | Should -Match '^[- ]+$' -Because "the second line is the header's rule, not a wrapped header:`n$text"
        ($header -split '\s{1,}' -join ' ').Trim() | Should -Be ($Headers -join ' ')
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $text | Should -Not -Match '\d+h\d+m0s|\b0h'
    }

    It 'shows a setting left at its default as the default: the mount''s TTLs and an STS role''s' {
        $engines = Get-SecretsEngine | Out-String -Width 80
        $engines | Should -Match '(?m)^aws\s+aws\s+\d+\s+768h\s+768h'
        $engines | Should -Match '(?m)^team/aws\s+aws\s+\d+\s+1h\s+768h'
        (Get-SecretsEngine aws).DefaultLeaseTtl | Should -Be ([timespan]::FromHours(768))
        $session = Get-AwsRole session
        $session.DefaultStsTtl | Should -BeNullOrEmpty
        $session.Ttl | Should -Be ([timespan]::FromHours(1))
        (Get-AwsRole developer-access).MaxTtl | Should -Be ([timespan]::FromHours(768))
        Get-AwsLeaseConfig -Path team/aws | Out-String -Width 80 | Should -Match '(?m)^team/aws\s+1h \(default\)\s+768h \(default\)'
        (Get-AwsLeaseConfig -Path team/aws).Lease | Should -BeNullOrEmpty
    }

    It 'shows an assumed_role credential''s AssumedRoleArn, and durations as Vault prints them' {
        $deploy = $script:creds[2] | Out-String -Width 80
        $deploy | Should -Match 'AssumedRoleArn\s*:\s*arn:aws:sts::\d{12}:assumed-role/hints-deploy/'
        $deploy | Should -Match 'LeaseDuration\s*:\s*1h\s*$|LeaseDuration\s*:\s*1h\r?\n'
        $script:creds[0] | Out-String -Width 80 | Should -Not -Match 'AssumedRoleArn'
    }
}

Describe 'Messages and hints' {
    BeforeAll {
        $script:store = Initialize-TestStore $script:server
        Enable-SecretsEngine aws -Path team/aws | Out-Null
        Set-AwsRole developer-access -PolicyArn $script:readOnly
        Set-AwsRole deploy -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/hints-a, arn:aws:iam::123456789012:role/hints-b
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force | Out-Null
        Remove-TestStore $script:store
    }

    It 'warns when Revoke-Lease -Prefix names no mount, naming those there are, and still succeeds' {
        Get-AwsCredential developer-access | Out-Null
        $result = Revoke-Lease -Prefix nowhere/creds/x -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable failed
        $failed | Should -BeNullOrEmpty
        $result.Revoked | Should -Be 0
        "$warned" | Should -BeLike "*'nowhere/creds/x'*aws, team/aws*"
        @(Get-Lease).Count | Should -Be 1
        Revoke-Lease -Prefix team/ -WarningVariable none -WarningAction SilentlyContinue | Out-Null
        $none | Should -BeNullOrEmpty
    }

    It '<Name> says what to type instead' -ForEach @(
        @{ Name = 'a Vault path as a role name'; Reason = 'InvalidRoleName'; Hint = "*Get-AwsCredential developer-access.*"; Command = { Get-AwsCredential aws/creds/developer-access } }
        @{ Name = 'a Vault path of another mount'; Reason = 'InvalidRoleName'; Hint = "*Get-AwsCredential dev -Path team/aws.*"; Command = { Get-AwsCredential team/aws/creds/dev } }
        @{ Name = 'a role prefix as a lease id'; Reason = 'InvalidLeaseId'; Hint = "*Get-Lease -Prefix aws/creds/developer-access.*"; Command = { Get-Lease aws/creds/developer-access -ErrorAction Stop } }
    ) {
        $err = $null
        try { & $Command } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "DynamicAwsCreds.$Reason,*"
        $err.Exception.Message | Should -BeLike $Hint
    }

    It 'completes -RoleArn from the role''s role ARNs' {
        $line = 'Get-AwsCredential deploy -RoleArn '
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('arn:aws:iam::123456789012:role/hints-a', 'arn:aws:iam::123456789012:role/hints-b')
        $line = 'Get-AwsCredential -RoleArn *-b -Role deploy'
        (TabExpansion2 -inputScript $line -cursorColumn 'Get-AwsCredential -RoleArn *-b'.Length).CompletionMatches.CompletionText | Should -Be 'arn:aws:iam::123456789012:role/hints-b'
    }

    It 'prints credential_process errors without colour codes' {
        $module = (Get-TestModulePath) -replace "'", "''"
        $run = Invoke-Pwsh -Command "Import-Module '$module'; Export-AwsCredential no-such-role -Format CredentialProcess" -Environment @{ DYNAMICAWSCREDS_STORE = $script:store }
        $run.ExitCode | Should -Not -Be 0
        $run.StdErr | Should -BeLike '*no-such-role*'
        $run.StdErr | Should -Not -Match "`e\["
    }

    It 'keeps sentences apart and quotes single in its messages' {
        $messages = @(
            try { Set-AwsLeaseConfig -Lease 1d -LeaseMax 2d } catch { $_.Exception.Message }
            try { Get-AwsCredential deploy -RoleArn arn:aws:iam::123456789012:role/other } catch { $_.Exception.Message }
        )
        $messages | Should -HaveCount 2
        $messages[1] | Should -BeLike "*role ARNs of role 'deploy'*"
        foreach ($m in $messages) {
            $m | Should -Not -Match "''"
            # A sentence's first word straight after the last word of the one before, with no full stop between.
            $m | Should -Not -MatchExactly '[a-z0-9)] (Quote|Use|Give|Type|Run|Fix|The|It|Pass) '
        }
    }
}
