# No formatting shows an issued secret key or session token: the views, Format-List and Format-Table without
# -Property, Out-String, ToString(), and the list Out-Default falls back to when a credential follows a table
# of another type in a script's output. The secrets stay plain properties for Set-AWSCredential.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    $script:store = Initialize-TestStore $script:server
    Set-AwsRole dev -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess
    Set-AwsRole session -CredentialType session_token

    function Get-Secrets($Credential) {
        @($Credential.SecretKey, $Credential.SessionToken) | Where-Object { $_ }
    }
}
AfterAll {
    Get-Lease | Revoke-Lease -Force -ErrorAction SilentlyContinue | Out-Null
    Stop-LocalAws $script:server
    Remove-TestStore $script:store
}

Describe 'Formatting never shows a secret' {
    It 'keeps them out of a script''s output when a credential follows a table of another type (<Role>)' -ForEach @(
        @{ Role = 'dev' }
        @{ Role = 'session' }
    ) {
        # What a user's script does: a table of mounts, then the credential, both left to Out-Default.
        $secretsFile = Join-Path ([IO.Path]::GetTempPath()) "dac-secrets-$([guid]::NewGuid().ToString('n')).json"
        $process = Start-FreshPwsh -StorePath $script:store -Script @"
Get-SecretsEngine
`$c = Get-AwsCredential $Role
@{ LeaseId = `$c.LeaseId; AccessKey = `$c.AccessKey; Secrets = @(`$c.SecretKey, `$c.SessionToken) } | ConvertTo-Json | Set-Content -LiteralPath '$secretsFile'
`$c
Get-SecretsEngine
`$c
"`$c"
"@
        try {
            $process.WaitForExit(120000) | Should -BeTrue
            $stdout = $process.StdOut.Result -replace '\e\[[0-9;]*m'   # the labels' colours
            $process.ExitCode | Should -Be 0 -Because ($process.StdErr.Result + $stdout)
            $issued = Get-Content -LiteralPath $secretsFile -Raw | ConvertFrom-Json
        }
        finally {
            Remove-Item -LiteralPath $process.ScriptFile, $secretsFile -ErrorAction SilentlyContinue
        }

        $stdout | Should -Match 'Path\s+Type\s+LeaseCount' -Because 'the mounts table comes first'
        $stdout | Should -Match "LeaseId\s+:\s+$([regex]::Escape($issued.LeaseId))" -Because 'the credential then falls back to a list'
        $stdout | Should -Match ([regex]::Escape($issued.AccessKey))
        $secrets = @($issued.Secrets | Where-Object { $_ })
        $secrets.Count | Should -Be ($Role -eq 'session' ? 2 : 1)
        foreach ($secret in $secrets) { $stdout | Should -Not -Match ([regex]::Escape($secret)) }
    }

    Context 'in this session (<Role>)' -ForEach @(
        @{ Role = 'dev' }
        @{ Role = 'session' }
    ) {
        BeforeAll {
            $script:cred = Get-AwsCredential $Role
            $script:secrets = @(Get-Secrets $script:cred)
        }

        It 'keeps them out of <Name>' -ForEach @(
            @{ Name = 'Out-String'; Render = { $args[0] | Out-String } }
            @{ Name = 'Format-List'; Render = { $args[0] | Format-List | Out-String } }
            @{ Name = 'Format-Table'; Render = { $args[0] | Format-Table | Out-String } }
            @{ Name = 'Format-Custom'; Render = { $args[0] | Format-Custom | Out-String } }
            @{ Name = 'a table of another type first'; Render = { @(Get-SecretsEngine) + $args[0] | Out-String } }
            @{ Name = 'ToString()'; Render = { $args[0].ToString() } }
            @{ Name = 'a string'; Render = { "$($args[0])" } }
        ) {
            $text = & $Render $script:cred
            $text | Should -Match ([regex]::Escape($script:cred.AccessKey))
            foreach ($secret in $script:secrets) { $text | Should -Not -Match ([regex]::Escape($secret)) }
        }

        It 'leaves them out of the default display property set' {
            $set = $script:cred.PSStandardMembers.DefaultDisplayPropertySet.ReferencedPropertyNames
            $set | Should -Contain 'LeaseId'
            $set | Should -Not -Contain 'SecretKey'
            $set | Should -Not -Contain 'SessionToken'
        }

        It 'keeps them as plain string properties that bind by name' {
            $script:cred.SecretKey | Should -BeOfType [string]
            $script:cred.PSObject.Properties['SecretKey'].TypeNameOfValue | Should -Be 'System.String'
            $script:cred.PSObject.Properties['SessionToken'].TypeNameOfValue | Should -Be 'System.String'
            ($script:cred | Select-Object -ExpandProperty SecretKey) | Should -Be $script:cred.SecretKey
            foreach ($name in 'ProfileName', 'StoreAs', 'Scope', 'ProfileLocation', 'RoleArn', 'SourceProfile', 'ExternalID', 'MfaSerial', 'Credential', 'NetworkCredential') {
                $script:cred.PSObject.Properties[$name] | Should -BeNullOrEmpty -Because "$name would bind into another parameter set of Set-AWSCredential"
            }
        }
    }
}
