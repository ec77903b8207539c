# Against real AWS, for people who have an account: set DYNAMICAWSCREDS_TEST_AWS_PROFILE to a profile of the
# shared AWS config whose (long-term IAM user) keys may create and delete vault-* IAM users. Without it, every
# test here is reported as skipped. Each test cleans up after itself; AfterAll revokes whatever is left.
BeforeDiscovery {
    $script:realAws = -not [string]::IsNullOrWhiteSpace($env:DYNAMICAWSCREDS_TEST_AWS_PROFILE)
}

Describe 'Against real AWS (DYNAMICAWSCREDS_TEST_AWS_PROFILE)' -Skip:(-not $script:realAws) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module (Get-TestModulePath) -Force
        $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
        $script:savedProfile = $env:AWS_PROFILE
        $env:AWS_PROFILE = $env:DYNAMICAWSCREDS_TEST_AWS_PROFILE
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        # No keys: the root credentials come from the profile through the AWS SDK's default chain.
        Set-AwsRootConfig -UseDefaultCredentialChain
        if ($env:DYNAMICAWSCREDS_TEST_AWS_ENDPOINT) {
            # Only to rehearse this file against LocalAws: real AWS needs no endpoint.
            Set-AwsRootConfig -IamEndpoint $env:DYNAMICAWSCREDS_TEST_AWS_ENDPOINT -StsEndpoint $env:DYNAMICAWSCREDS_TEST_AWS_ENDPOINT
        }
        Set-AwsRole dev -PolicyArn $script:readOnly
        Set-AwsRole fed -CredentialType federation_token -PolicyArn $script:readOnly
        Set-AwsRole session -CredentialType session_token
    }
    AfterAll {
        Revoke-Lease -Prefix aws/ -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Remove-TestStore $script:store
        $env:AWS_PROFILE = $script:savedProfile
    }

    It 'runs the walkthrough: a new IAM user whose key AWS accepts, revoked by lease id' {
        $cred = Get-AwsCredential dev -WaitUntilUsable -Timeout 90s
        $cred.UserName | Should -BeLike 'vault-*'
        (Get-Lease $cred.LeaseId).UserName | Should -Be $cred.UserName
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
        { Get-Lease $cred.LeaseId -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.LeaseNotFound*'
        @(Get-AwsOrphanUser | Where-Object UserName -eq $cred.UserName) | Should -HaveCount 0
    }

    It 'issues <Role> credentials (<Type>) with a session token' -TestCases @(
        @{ Role = 'fed'; Type = 'federation_token' }
        @{ Role = 'session'; Type = 'session_token' }
    ) {
        $cred = Get-AwsCredential $Role
        $cred.CredentialType | Should -Be $Type
        $cred.SessionToken | Should -Not -BeNullOrEmpty
        $cred.Expiration | Should -BeGreaterThan ([DateTime]::UtcNow)
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }

    It 'revokes a prefix: every user of it is deleted' {
        $creds = 1..3 | ForEach-Object { Get-AwsCredential dev }
        $result = Revoke-Lease -Prefix aws/creds/dev
        $result.Revoked | Should -Be 3
        $result.Failed | Should -Be 0
        Get-Lease -Prefix aws/creds/dev | Should -BeNullOrEmpty
    }
}
