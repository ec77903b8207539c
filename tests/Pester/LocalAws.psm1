#Requires -Version 7.4
# Calls the LocalAws IAM+STS emulator (started by tests/Common/DynamicAwsCreds.TestHost.psm1) with SigV4-signed
# Query-protocol requests, for the tests, the demo and the bench. The signing code here is this module's own
# (HMACSHA256/SHA256), independent of both LocalAws's verifier and the AWS SDK.

Set-StrictMode -Version Latest

$script:Http = [System.Net.Http.HttpClient]::new()
$script:Http.Timeout = [TimeSpan]::FromSeconds(60)
$script:DefaultAccessKey = 'AKIAIOSFODNN7EXAMPLE'
$script:DefaultSecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

function ConvertTo-QueryParameters {
    param([System.Collections.IDictionary] $Parameters)
    $list = [System.Collections.Generic.List[System.Collections.Generic.KeyValuePair[string, string]]]::new()
    $add = { param($k, $v) $list.Add([System.Collections.Generic.KeyValuePair[string, string]]::new($k, $v)) }
    foreach ($name in $Parameters.Keys) {
        $value = $Parameters[$name]
        if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string] -and $value -isnot [System.Collections.IDictionary]) {
            $n = 0
            foreach ($item in $value) {
                $n++
                if ($item -is [System.Collections.IDictionary]) {
                    foreach ($k in $item.Keys) { & $add "$name.member.$n.$k" ([string]$item[$k]) }
                }
                else { & $add "$name.member.$n" ([string]$item) }
            }
        }
        elseif ($value -is [bool]) { & $add $name ($value ? 'true' : 'false') }
        else { & $add $name ([string]$value) }
    }
    , $list
}

function Get-Sha256Hex([byte[]] $Bytes) {
    [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
}

function Get-HmacSha256([byte[]] $Key, [string] $Data) {
    [System.Security.Cryptography.HMACSHA256]::HashData($Key, [System.Text.Encoding]::UTF8.GetBytes($Data))
}

function Invoke-LocalIam {
    <#
    .SYNOPSIS
    Calls one IAM (or STS) Query action on LocalAws, signed with SigV4, and returns the response as [xml].
    On an AWS error it throws; the ErrorRecord's id is LocalAws.<Code> and $_.Exception.Data holds
    Code, Message, StatusCode and RequestId.
    With -SessionToken (temporary credentials from AssumeRole, GetFederationToken or GetSessionToken) the token
    is sent as X-Amz-Security-Token and signed.
    .EXAMPLE
    $r = (Invoke-LocalIam -Server $aws -Service sts -Action AssumeRole -Parameters @{ RoleArn = $arn; RoleSessionName = 's1' }).AssumeRoleResponse.AssumeRoleResult.Credentials
    Invoke-LocalIam -Server $aws -Service sts -Action GetCallerIdentity -AccessKey $r.AccessKeyId -SecretKey $r.SecretAccessKey -SessionToken $r.SessionToken
    .EXAMPLE
    (Invoke-LocalIam -Server $aws -Action ListUsers -Parameters @{ PathPrefix = '/' }).ListUsersResponse.ListUsersResult.Users.member
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Server,
        [Parameter(Mandatory)] [string] $Action,
        [System.Collections.IDictionary] $Parameters = @{},
        [string] $AccessKey,
        [string] $SecretKey,
        [string] $SessionToken,
        [ValidateSet('iam', 'sts')] [string] $Service = 'iam',
        [string] $Region = 'us-east-1'
    )

    $endpoint = if ($Server -is [string]) { $Server } else { $Server.Endpoint }
    if (-not $AccessKey) { $AccessKey = if ($Server -is [string]) { $script:DefaultAccessKey } else { $Server.RootAccessKey } }
    if (-not $SecretKey) { $SecretKey = if ($Server -is [string]) { $script:DefaultSecretKey } else { $Server.RootSecretKey } }
    $uri = [Uri]($endpoint.TrimEnd('/') + '/')
    $version = if ($Service -eq 'sts') { '2011-06-15' } else { '2010-05-08' }

    $pairs = [System.Collections.Generic.List[string]]::new()
    $pairs.Add('Action=' + [Uri]::EscapeDataString($Action))
    $pairs.Add('Version=' + $version)
    foreach ($p in (ConvertTo-QueryParameters $Parameters)) {
        $pairs.Add([Uri]::EscapeDataString($p.Key) + '=' + [Uri]::EscapeDataString($p.Value))
    }
    $body = [System.Text.Encoding]::UTF8.GetBytes($pairs -join '&')

    # SigV4, from AWS's documentation: canonical request -> string to sign -> derived key -> signature.
    $now = [DateTime]::UtcNow
    $amzDate = $now.ToString("yyyyMMdd'T'HHmmss'Z'", [Globalization.CultureInfo]::InvariantCulture)
    $day = $amzDate.Substring(0, 8)
    $payloadHash = Get-Sha256Hex $body
    $contentType = 'application/x-www-form-urlencoded; charset=utf-8'
    $hostHeader = if ($uri.IsDefaultPort) { $uri.Host } else { "$($uri.Host):$($uri.Port)" }
    $headerLines = @("content-type:$contentType", "host:$hostHeader", "x-amz-content-sha256:$payloadHash", "x-amz-date:$amzDate")
    $signedHeaders = 'content-type;host;x-amz-content-sha256;x-amz-date'
    if ($SessionToken) {
        $headerLines += "x-amz-security-token:$SessionToken"
        $signedHeaders += ';x-amz-security-token'
    }
    $canonical = (@('POST', '/', '') + $headerLines + @('', $signedHeaders, $payloadHash)) -join "`n"
    $scope = "$day/$Region/$Service/aws4_request"
    $stringToSign = "AWS4-HMAC-SHA256`n$amzDate`n$scope`n" + (Get-Sha256Hex ([System.Text.Encoding]::UTF8.GetBytes($canonical)))
    $key = Get-HmacSha256 ([System.Text.Encoding]::UTF8.GetBytes("AWS4$SecretKey")) $day
    $key = Get-HmacSha256 $key $Region
    $key = Get-HmacSha256 $key $Service
    $key = Get-HmacSha256 $key 'aws4_request'
    $signature = [Convert]::ToHexString((Get-HmacSha256 $key $stringToSign)).ToLowerInvariant()

    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $uri)
    try {
        $request.Content = [System.Net.Http.ByteArrayContent]::new($body)
        $null = $request.Content.Headers.TryAddWithoutValidation('Content-Type', $contentType)
        $null = $request.Headers.TryAddWithoutValidation('X-Amz-Date', $amzDate)
        $null = $request.Headers.TryAddWithoutValidation('X-Amz-Content-SHA256', $payloadHash)
        if ($SessionToken) { $null = $request.Headers.TryAddWithoutValidation('X-Amz-Security-Token', $SessionToken) }
        $null = $request.Headers.TryAddWithoutValidation('Authorization',
            "AWS4-HMAC-SHA256 Credential=$AccessKey/$scope, SignedHeaders=$signedHeaders, Signature=$signature")
        try {
            $response = $script:Http.SendAsync($request).GetAwaiter().GetResult()
        }
        catch [System.Net.Http.HttpRequestException] {
            $ex = [System.Net.Http.HttpRequestException]::new("LocalAws closed the connection for $Action without an answer: $($_.Exception.Message)", $_.Exception)
            $ex.Data['Code'] = 'ConnectionClosed'
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                    $ex, 'LocalAws.ConnectionClosed', [System.Management.Automation.ErrorCategory]::ConnectionError, $Action))
        }
        try {
            $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            [xml] $xml = $text
            if (-not $response.IsSuccessStatusCode) {
                $code = $xml.ErrorResponse.Error.Code
                $message = $xml.ErrorResponse.Error.Message
                $ex = [System.InvalidOperationException]::new("${code}: $message")
                $ex.Data['Code'] = $code
                $ex.Data['Message'] = $message
                $ex.Data['StatusCode'] = [int]$response.StatusCode
                $ex.Data['RequestId'] = $xml.ErrorResponse.RequestId
                $category = switch ([int]$response.StatusCode) {
                    403 { 'PermissionDenied' } 404 { 'ObjectNotFound' } 409 { 'ResourceExists' } 400 { 'InvalidArgument' } default { 'NotSpecified' }
                }
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                        $ex, "LocalAws.$code", [System.Management.Automation.ErrorCategory]$category, $Action))
            }
            $xml
        }
        finally { $response.Dispose() }
    }
    finally { $request.Dispose() }
}

function Get-LocalAwsRequestLog {
    <#
    .SYNOPSIS
    Returns LocalAws's request log (GET /_localaws/requests), oldest first: objects with ReceivedUtc, Service, Action,
    AccessKeyId, CallerArn (the IAM user or assumed-role/federated-user session that signed the request), StatusCode
    and ErrorCode. Container credential fetches appear with Service 'container' and Action 'ContainerCredentials'.
    .EXAMPLE
    Get-LocalAwsRequestLog $aws | Where-Object Action -eq CreateUser | Select-Object CallerArn
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Server)
    $endpoint = if ($Server -is [string]) { $Server } else { $Server.Endpoint }
    $text = $script:Http.GetStringAsync($endpoint.TrimEnd('/') + '/_localaws/requests').GetAwaiter().GetResult()
    $text | ConvertFrom-Json
}

Export-ModuleMember -Function Invoke-LocalIam, Get-LocalAwsRequestLog
