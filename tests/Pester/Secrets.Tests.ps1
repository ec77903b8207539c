# No secret reaches a transcript, a verbose or debug line, an error record, or any file under the store
# folder, through every credential type's issue, renew and revoke.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:server = Start-TestLocalAws
    $script:store = New-TestStore
    $env:DYNAMICAWSCREDS_STORE = $script:store
}
AfterAll {
    Stop-LocalAws $script:server
    Remove-TestStore $script:store
}

Describe 'Secrets stay secret' {
    It 'appear nowhere after issuing, renewing and revoking every credential type with -Verbose, -Debug and a transcript' {
        $transcript = Join-Path ([IO.Path]::GetTempPath()) "dac-transcript-$([guid]::NewGuid().ToString('n')).txt"
        $secrets = [Collections.Generic.List[string]]::new()
        $secrets.Add($script:server.RootSecretKey)
        $records = [Collections.Generic.List[object]]::new()
        $DebugPreference = 'Continue'
        Start-Transcript -Path $transcript | Out-Null
        try {
            $common = @{ Verbose = $true; Debug = $true }
            Enable-SecretsEngine aws @common | Out-Null
            Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint @common
            $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
            Invoke-LocalIam -Server $script:server -Action CreateRole -Parameters @{ RoleName = 'secret-test'; AssumeRolePolicyDocument = $trust } | Out-Null
            Set-AwsRole user -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess @common
            Set-AwsRole assumed -CredentialType assumed_role -RoleArn arn:aws:iam::123456789012:role/secret-test @common
            Set-AwsRole federated -CredentialType federation_token -PolicyArn arn:aws:iam::aws:policy/ReadOnlyAccess @common
            Set-AwsRole session -CredentialType session_token @common

            foreach ($role in 'user', 'assumed', 'federated', 'session') {
                $cred = Get-AwsCredential $role @common
                $secrets.Add($cred.SecretKey)
                if ($cred.SessionToken) { $secrets.Add($cred.SessionToken) }
                $cred | Format-List | Out-String | Write-Host
                $cred | Export-AwsCredential -Format Ini | Out-Null
                if ($cred.Renewable) { Update-Lease $cred.LeaseId -Increment 2h @common | Out-Null }
                else { try { Update-Lease $cred.LeaseId @common -ErrorAction Stop } catch { $records.Add($_) } }
            }
            $cached = Export-AwsCredential -Role user -Format CredentialProcess -Cache @common | ConvertFrom-Json
            $secrets.Add($cached.SecretAccessKey)

            # Failures on the way: their records and messages must be clean too.
            try { Get-AwsCredential nope @common } catch { $records.Add($_) }
            try { Set-AwsRootConfig -AccessKey AKIDEXAMPLE00000000 -SecretKey 'short' @common } catch { $records.Add($_) }
            Set-AwsRole broken -PolicyArn arn:aws:iam::aws:policy/DoesNotExist @common
            try { Get-AwsCredential broken @common } catch { $records.Add($_) }

            Revoke-Lease -Prefix aws/creds @common | Out-Null
        }
        finally {
            Stop-Transcript | Out-Null
            $DebugPreference = 'SilentlyContinue'
        }

        $records.Count | Should -BeGreaterOrEqual 4
        $haystacks = @(Get-Content $transcript -Raw)
        $haystacks += $records | ForEach-Object { $_ | Out-String; $_.Exception.ToString(); "$($_.TargetObject)"; $_.ErrorDetails }
        $haystacks += Get-ChildItem (Split-Path $script:store) -File -Force | ForEach-Object { [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($_.FullName)) }
        $secrets.Count | Should -BeGreaterOrEqual 8
        foreach ($secret in $secrets) {
            foreach ($haystack in $haystacks) {
                $haystack | Should -Not -Match ([regex]::Escape($secret))
            }
        }
        (Get-Content $transcript -Raw) | Should -Match 'AWS IAM CreateUser'
        Remove-Item $transcript -ErrorAction SilentlyContinue
    }
}
