# Least privilege, enforced: the module runs with the root policy README.md documents, read out of README.md itself
# (so the README cannot drift from what the module does), against a LocalAws that evaluates it as AWS does.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:account = '123456789012'
    $script:rootArn = "arn:aws:iam::$($script:account):user/localaws-root"
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'

    # The ```json blocks under "The IAM policy for the root credentials": [0] the policy, [1] the extra statements.
    function Get-ReadmePolicy([int] $Index) {
        $readme = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot '..' '..' 'README.md')
        $heading = '## The IAM policy for the root credentials'
        $start = $readme.IndexOf($heading, [StringComparison]::Ordinal)
        if ($start -lt 0) { throw "README.md has no '$heading' section." }
        $section = $readme.Substring($start + $heading.Length)
        $end = $section.IndexOf("`n#", [StringComparison]::Ordinal)
        if ($end -ge 0) { $section = $section.Substring(0, $end) }
        $blocks = [regex]::Matches($section, '(?s)```json\r?\n(.*?)\r?\n```')
        if ($blocks.Count -lt 2) { throw "README.md's root policy section should hold two json blocks (the policy and its extra statements); it holds $($blocks.Count)." }
        $blocks[$Index].Groups[1].Value.Replace('ACCOUNT-ID', $script:account)
    }

    # Starts LocalAws with README's policy (and, with -Extras, README's extra statements) as the root key's policy.
    function Start-PolicyLocalAws([switch] $Extras) {
        $policy = Get-ReadmePolicy 0
        if ($Extras) {
            $statements = @((Get-ReadmePolicy 0 | ConvertFrom-Json).Statement) + @((Get-ReadmePolicy 1 | ConvertFrom-Json).Statement)
            $policy = @{ Version = '2012-10-17'; Statement = $statements } | ConvertTo-Json -Depth 10
        }
        $file = Join-Path ([IO.Path]::GetTempPath()) "dac-root-policy-$([guid]::NewGuid().ToString('n')).json"
        Set-Content -LiteralPath $file -Value $policy
        try { Start-TestLocalAws -ArgumentList '--account-id', $script:account, '--root-policy', $file }
        finally { Remove-Item -LiteralPath $file }
    }

    # The test's own setup and checks run as an administrator (the container credentials endpoint's role), never as the
    # root key, so every call the root key makes is the module's.
    function Invoke-AdminIam([string] $Action, [System.Collections.IDictionary] $Parameters = @{}) {
        if (-not $script:admin) { $script:admin = Invoke-RestMethod -Uri $script:server.ContainerCredentialsUri }
        Invoke-LocalIam -Server $script:server -Action $Action -Parameters $Parameters `
            -AccessKey $script:admin.AccessKeyId -SecretKey $script:admin.SecretAccessKey -SessionToken $script:admin.Token
    }

    function Test-IamUser([string] $UserName) {
        try { Invoke-AdminIam GetUser @{ UserName = $UserName } | Out-Null; $true }
        catch { if ($_.Exception.Data['Code'] -eq 'NoSuchEntity') { $false } else { throw } }
    }

    function Use-NewStore([switch] $NoRole) {
        $script:store = New-TestStore
        $env:DYNAMICAWSCREDS_STORE = $script:store
        Enable-SecretsEngine aws | Out-Null
        if (-not $NoRole) { Set-AwsRole developer-access -PolicyArn $script:readOnly }
        Set-AwsRootConfig -AccessKey $script:server.RootAccessKey -SecretKey $script:server.RootSecretKey -IamEndpoint $script:server.Endpoint -StsEndpoint $script:server.Endpoint
        $script:logMark = @(Get-LocalAwsRequestLog $script:server).Count
    }

    # The clean-up calls README.md names as optional (skipped without permission). Revoke makes them only after a
    # DeleteConflict, which eventually consistent Lists can cause for a user issued moments ago.
    $script:optionalCleanup = 'DeleteLoginProfile', 'ListMFADevices', 'DeactivateMFADevice', 'ListSSHPublicKeys', 'DeleteSSHPublicKey',
        'ListSigningCertificates', 'DeleteSigningCertificate', 'ListServiceSpecificCredentials', 'DeleteServiceSpecificCredential'

    # After each test: nothing the module asked with the root key was refused (listed as "Action ErrorCode") but the
    # optional clean-up calls, and the store goes.
    function Complete-PolicyTest {
        $refused = @(Get-LocalAwsRequestLog $script:server | Select-Object -Skip $script:logMark |
                Where-Object { $_.StatusCode -eq 403 -and $_.CallerArn -eq $script:rootArn -and $_.Action -notin $script:optionalCleanup } |
                ForEach-Object { "$($_.Action) $($_.ErrorCode)" })
        Remove-TestStore $script:store
        $refused | Should -BeNullOrEmpty -Because 'the policy README.md documents must allow every call the module makes'
    }
}

Describe 'Under the root policy in README.md' {
    BeforeAll {
        $script:admin = $null
        $script:server = Start-PolicyLocalAws
    }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Use-NewStore }
    AfterEach { Complete-PolicyTest }

    It 'really restricts the root key: it may not list users, or touch a user not named vault-*' {
        { Invoke-LocalIam -Server $script:server -Action ListUsers } | Should -Throw -ErrorId 'LocalAws.AccessDenied*'
        { Invoke-LocalIam -Server $script:server -Action CreateUser -Parameters @{ UserName = 'mallory' } } | Should -Throw -ErrorId 'LocalAws.AccessDenied*'
        $script:logMark = @(Get-LocalAwsRequestLog $script:server).Count
    }

    It 'runs the Vault walkthrough: issue, revoke by id, revoke by prefix' {
        $cred = Get-AwsCredential developer-access
        $cred.UserName | Should -BeLike 'vault-*'
        Test-IamUser $cred.UserName | Should -BeTrue
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
        Test-IamUser $cred.UserName | Should -BeFalse

        $three = 1..3 | ForEach-Object { Get-AwsCredential developer-access }
        $result = Revoke-Lease -Prefix aws/creds/developer-access
        $result.Revoked | Should -Be 3
        $result.Failed | Should -Be 0
        foreach ($c in $three) { Test-IamUser $c.UserName | Should -BeFalse }
    }

    It 'renews a lease: Update-Lease rewrites the expiry guard' {
        $cred = Get-AwsCredential developer-access -Ttl 1h
        $guard = @{ UserName = $cred.UserName; PolicyName = 'DynamicAwsCreds-ExpiryGuard' }
        $readGuard = { (Invoke-AdminIam GetUserPolicy $guard).GetUserPolicyResponse.GetUserPolicyResult.PolicyDocument }
        Wait-Until -Because 'GetUserPolicy shows the expiry guard' { & $readGuard }
        $before = & $readGuard
        Update-Lease $cred.LeaseId -Increment 2h | Out-Null
        (Get-Lease $cred.LeaseId).Ttl | Should -BeGreaterThan ([timespan]::FromHours(1.5))
        Wait-Until -Because 'GetUserPolicy shows the rewritten expiry guard' { (& $readGuard) -ne $before }
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }

    It 'issues and revokes a user in an -IamGroup (membership is authorised on the group)' {
        Invoke-AdminIam CreateGroup @{ GroupName = 'pester-readers' } | Out-Null
        Set-AwsRole grouped -PolicyArn $script:readOnly -IamGroup pester-readers
        $cred = Get-AwsCredential grouped
        Wait-Until -Because 'GetGroup shows the new user as the group''s one member' {
            $members = (Invoke-AdminIam GetGroup @{ GroupName = 'pester-readers' }).GetGroupResponse.GetGroupResult.Users.member
            (@($members | Where-Object { $_ }).UserName -join ',') -eq $cred.UserName
        }
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
        Test-IamUser $cred.UserName | Should -BeFalse
    }
}

Describe 'Under the root policy in README.md with its extra statements' {
    BeforeAll {
        $script:admin = $null
        $script:server = Start-PolicyLocalAws -Extras
        $trust = @{
            Version   = '2012-10-17'
            Statement = @(@{ Effect = 'Allow'; Principal = @{ AWS = "arn:aws:iam::$($script:account):root" }; Action = @('sts:AssumeRole', 'sts:TagSession') })
        } | ConvertTo-Json -Depth 6 -Compress
        Invoke-AdminIam CreateRole @{ RoleName = 'pester-deploy'; AssumeRolePolicyDocument = $trust } | Out-Null
        Invoke-AdminIam AttachRolePolicy @{ RoleName = 'pester-deploy'; PolicyArn = $script:readOnly } | Out-Null
        Invoke-AdminIam CreateGroup @{ GroupName = 'pester-sts' } | Out-Null
        Invoke-AdminIam AttachGroupPolicy @{ GroupName = 'pester-sts'; PolicyArn = $script:readOnly } | Out-Null
        $inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}'
        Invoke-AdminIam PutGroupPolicy @{ GroupName = 'pester-sts'; PolicyName = 'read-users'; PolicyDocument = $inline } | Out-Null
    }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Use-NewStore }
    AfterEach { Complete-PolicyTest }

    It 'issues assumed_role credentials with session tags and the groups'' policies' {
        Set-AwsRole deploy -CredentialType assumed_role -RoleArn "arn:aws:iam::$($script:account):role/pester-deploy" -SessionTag @{ team = 'build' } -IamGroup pester-sts
        $cred = Get-AwsCredential deploy
        $cred.SessionToken | Should -Not -BeNullOrEmpty
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey -SessionToken $cred.SessionToken
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -BeLike "arn:aws:sts::$($script:account):assumed-role/pester-deploy/*"
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }

    It 'issues federation_token credentials with the groups'' policies' {
        Set-AwsRole fed -CredentialType federation_token -PolicyArn $script:readOnly -IamGroup pester-sts
        $cred = Get-AwsCredential fed
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey -SessionToken $cred.SessionToken
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -BeLike "arn:aws:sts::$($script:account):federated-user/*"
    }

    It 'issues session_token credentials' {
        Set-AwsRole session -CredentialType session_token
        $cred = Get-AwsCredential session
        $me = Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity -AccessKey $cred.AccessKey -SecretKey $cred.SecretKey -SessionToken $cred.SessionToken
        $me.GetCallerIdentityResponse.GetCallerIdentityResult.Arn | Should -Be $script:rootArn
    }

    It 'issues a tagged IAM user for a role with -IamTag' {
        Set-AwsRole tagged -PolicyArn $script:readOnly -IamTag @{ team = 'build' }
        $cred = Get-AwsCredential tagged
        $tags = (Invoke-AdminIam ListUserTags @{ UserName = $cred.UserName }).ListUserTagsResponse.ListUserTagsResult.Tags.member
        ($tags | Where-Object Key -eq 'team').Value | Should -Be 'build'
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }

    It 'finds and removes orphaned users' {
        $expired = Get-AwsCredential developer-access -Ttl 1
        Remove-TestStore $script:store
        Use-NewStore
        # The ownership marker keeps whole seconds, so a one-second lease is certainly over two seconds on.
        Start-Sleep -Milliseconds 2500
        $orphan = Get-AwsOrphanUser | Where-Object UserName -eq $expired.UserName
        $orphan.Reason | Should -Be 'Expired'
        $orphan | Remove-AwsOrphanUser -Confirm:$false
        Test-IamUser $expired.UserName | Should -BeFalse
    }
}

Describe 'Rotating the root key under the root policy in README.md with its extra statements' {
    BeforeAll {
        $script:admin = $null
        $script:server = Start-PolicyLocalAws -Extras
    }
    AfterAll { Stop-LocalAws $script:server }
    BeforeEach { Use-NewStore }
    AfterEach { Complete-PolicyTest }

    It 'replaces the root key, and the new key issues and revokes' {
        $rotated = Update-AwsRootCredential -Confirm:$false
        $rotated.AccessKey | Should -Not -Be $script:server.RootAccessKey
        { Invoke-LocalIam -Server $script:server -Service sts -Action GetCallerIdentity } | Should -Throw -ExpectedMessage '*InvalidClientTokenId*'
        $cred = Get-AwsCredential developer-access
        (Revoke-Lease $cred.LeaseId).Revoked | Should -Be 1
    }
}
