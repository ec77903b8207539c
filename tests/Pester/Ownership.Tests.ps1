# Ownership: two stores and a real Vault's user in one account; the module touches only what it can prove it made.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:readOnly = 'arn:aws:iam::aws:policy/ReadOnlyAccess'
    $script:vaultsUser = 'vault-token-dev-1700000000-VAULTVAULTVAULTVAULT'

    function Use-Store([string] $StorePath) {
        $env:DYNAMICAWSCREDS_STORE = $StorePath
    }

    function New-Store($Server) {
        $path = New-TestStore
        Use-Store $path
        Enable-SecretsEngine aws | Out-Null
        Set-AwsRole dev -PolicyArn $script:readOnly
        Set-AwsRootConfig -AccessKey $Server.RootAccessKey -SecretKey $Server.RootSecretKey -IamEndpoint $Server.Endpoint -StsEndpoint $Server.Endpoint
        $path
    }

    function Get-UserState($Server, [string] $UserName) {
        $p = @{ UserName = $UserName }
        [pscustomobject]@{
            Keys     = @((Invoke-LocalIam -Server $Server -Action ListAccessKeys -Parameters $p).ListAccessKeysResponse.ListAccessKeysResult.AccessKeyMetadata.member | Where-Object { $_ }).Count
            Inline   = @((Invoke-LocalIam -Server $Server -Action ListUserPolicies -Parameters $p).ListUserPoliciesResponse.ListUserPoliciesResult.PolicyNames.member | Where-Object { $_ }).Count
            Attached = @((Invoke-LocalIam -Server $Server -Action ListAttachedUserPolicies -Parameters $p).ListAttachedUserPoliciesResponse.ListAttachedUserPoliciesResult.AttachedPolicies.member | Where-Object { $_ }).Count
        } | ConvertTo-Json -Compress
    }

    # IAM shows a new user's keys and policies only once they have reached it: waits until its Lists show them all.
    function Wait-UserState($Server, [string] $UserName, [int] $Keys, [int] $Inline, [int] $Attached) {
        $expected = [pscustomobject]@{ Keys = $Keys; Inline = $Inline; Attached = $Attached } | ConvertTo-Json -Compress
        Wait-Until -Because "IAM shows $UserName as $expected" { (Get-UserState $Server $UserName) -eq $expected }
    }

    # Makes a user with an access key by hand, as a person or a real Vault would: the key once the new user has reached IAM.
    function New-UserWithKey($Server, [string] $UserName) {
        Invoke-LocalIam -Server $Server -Action CreateUser -Parameters @{ UserName = $UserName } | Out-Null
        Wait-Until -Because "CreateAccessKey finds the new user $UserName" {
            Invoke-LocalIam -Server $Server -Action CreateAccessKey -Parameters @{ UserName = $UserName } | Out-Null
            $true
        }
        Wait-UserState $Server $UserName -Keys 1 -Inline 0 -Attached 0
    }
}

Describe 'Two stores and a real Vault in one AWS account' {
    BeforeAll {
        $script:server = Start-TestLocalAws
        $script:storeA = New-Store $script:server
        $script:credA = Get-AwsCredential dev
        $script:storeB = New-Store $script:server
        $script:credB = Get-AwsCredential dev
        New-UserWithKey $script:server $script:vaultsUser
        # Each issued user: its key, its expiry guard (the ownership marker) and the role's policy.
        foreach ($cred in $script:credA, $script:credB) { Wait-UserState $script:server $cred.UserName -Keys 1 -Inline 1 -Attached 1 }
    }
    AfterAll {
        Stop-LocalAws $script:server
        Remove-TestStore $script:storeA
        Remove-TestStore $script:storeB
    }

    It 'gives each store its own StoreId' {
        Use-Store $script:storeA
        $a = (Get-SecretsEngine aws).StoreId
        Use-Store $script:storeB
        $b = (Get-SecretsEngine aws).StoreId
        $a | Should -Match '^[A-Za-z0-9]{20}$'
        $b | Should -Match '^[A-Za-z0-9]{20}$'
        $a | Should -Not -Be $b
    }

    It 'from store <Name>, never offers the other store''s live user or the Vault user for removal' -TestCases @(
        @{ Name = 'A'; Own = 'credA'; Other = 'credB'; Store = 'storeA' }
        @{ Name = 'B'; Own = 'credB'; Other = 'credA'; Store = 'storeB' }
    ) {
        Use-Store (Get-Variable $Store -Scope Script -ValueOnly)
        $own = Get-Variable $Own -Scope Script -ValueOnly
        $other = Get-Variable $Other -Scope Script -ValueOnly
        $before = @{}
        foreach ($name in $other.UserName, $script:vaultsUser) { $before[$name] = Get-UserState $script:server $name }

        $orphans = Get-AwsOrphanUser
        $orphans.UserName | Should -Not -Contain $own.UserName
        ($orphans | Where-Object UserName -eq $other.UserName).Reason | Should -Be 'Foreign'
        ($orphans | Where-Object UserName -eq $script:vaultsUser).Reason | Should -Be 'Foreign'
        @($orphans | Where-Object Removable) | Should -HaveCount 0

        # The README's one-liner: refused, one NotOwned error per user, nothing changed.
        Get-AwsOrphanUser | Remove-AwsOrphanUser -Confirm:$false -ErrorVariable piped -ErrorAction SilentlyContinue
        @($piped).Count | Should -Be 2
        $piped | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'DynamicAwsCreds.NotOwned*' }
        # By name too.
        { Remove-AwsOrphanUser $script:vaultsUser -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.NotOwned*'
        $byName = $null
        Remove-AwsOrphanUser $other.UserName -Confirm:$false -ErrorVariable byName -ErrorAction SilentlyContinue
        $byName[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $byName[0].TargetObject | Should -Be $other.UserName

        foreach ($name in $other.UserName, $script:vaultsUser) { Get-UserState $script:server $name | Should -Be $before[$name] }
        (Get-VaultUserNames $script:server).Count | Should -Be 3
        (Get-Lease $own.LeaseId).LeaseId | Should -Be $own.LeaseId
    }
}

Describe 'A username template that renders a name somebody else holds' {
    BeforeAll {
        $script:server = Start-TestLocalAws
        $script:store = New-Store $script:server
    }
    AfterAll {
        Stop-LocalAws $script:server
        Remove-TestStore $script:store
    }

    It 'fails with UserNameTaken and leaves that user exactly as it was' {
        Set-AwsRootConfig -UsernameTemplate 'fixed-{{.RoleName}}'
        New-UserWithKey $script:server 'fixed-dev'
        $before = Get-UserState $script:server 'fixed-dev'

        { Get-AwsCredential dev -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.UserNameTaken*'

        Get-UserState $script:server 'fixed-dev' | Should -Be $before
        Get-Lease | Should -BeNullOrEmpty
        { Remove-AwsOrphanUser 'fixed-dev' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'DynamicAwsCreds.NotOwned*'
        Get-UserState $script:server 'fixed-dev' | Should -Be $before
    }
}
