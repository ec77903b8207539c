#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the module's MAML help (en-US/DynamicAwsCreds.dll-Help.xml) from docs/help/*.md.
.DESCRIPTION
    platyPS is not available here, so this script does its job. The prose (synopsis, description,
    examples, parameter descriptions, inputs, outputs, notes, links) comes from one Markdown file per
    cmdlet in -SourcePath; the layout is described in docs/help/README.md. Everything about the
    parameters that the code decides - type, mandatory, position, pipeline input, wildcards, aliases,
    parameter sets, default values, output types - is read from the built module itself, in a child
    pwsh that imports -ModulePath, so the syntax in Get-Help can never drift from the code.

    The build fails (this script throws) when:
      - an exported cmdlet has no Markdown file, or a Markdown file names no exported cmdlet;
      - a Markdown file documents a parameter the cmdlet does not have;
      - a cmdlet parameter (other than the common parameters, -WhatIf and -Confirm) is undocumented;
      - a required section (SYNOPSIS, DESCRIPTION, two EXAMPLES, OUTPUTS) is missing or empty;
      - the cmdlet declares an [OutputType] that the OUTPUTS section does not name.
    -WhatIf and -Confirm get a standard description (naming the cmdlet's ConfirmImpact) unless the
    Markdown documents them.
.PARAMETER SourcePath
    The folder of <Verb-Noun>.md files (docs/help).
.PARAMETER ModulePath
    The built module folder (out/DynamicAwsCreds). The help is written to <ModulePath>/en-US.
.EXAMPLE
    ./build/New-MamlHelp.ps1 -SourcePath ./docs/help -ModulePath ./out/DynamicAwsCreds
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $ModulePath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '../tests/Common/DynamicAwsCreds.TestHost.psm1') -Force

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$SourcePath = (Resolve-Path -LiteralPath $SourcePath).Path
$manifestPath = Join-Path $ModulePath 'DynamicAwsCreds.psd1'
$rootModule = (Import-PowerShellDataFile $manifestPath).RootModule
$helpFileName = "$rootModule-Help.xml"

# ---- 1. Parameter metadata from the built module, in a child pwsh ----------------------------------

$probe = @'
param([string] $ModulePath, [string] $OutFile)
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.PSCmdlet]::CommonParameters
function Get-ShortTypeName([type] $Type) {
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    $Type.Name
}
function Get-FullTypeName([type] $Type) {
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    $Type.FullName
}
function Format-Default($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return [string]$Value.IsPresent }
    if ($Value -is [string]) { if ($Value.Length -eq 0) { return $null } else { return $Value } }
    if ($Value -is [System.Collections.ICollection]) { if ($Value.Count -eq 0) { return $null } else { return ($Value -join ', ') } }
    [string]$Value
}
$result = foreach ($name in ($module.ExportedCmdlets.Keys | Sort-Object)) {
    $cmd = Get-Command $name -Module $module.Name
    $type = $cmd.ImplementingType
    $attr = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
    # Defaults are whatever a fresh instance of the cmdlet holds before binding.
    $instance = try { [Activator]::CreateInstance($type) } catch { $null }
    $params = foreach ($p in $cmd.Parameters.Values) {
        if ($p.Name -in $common) { continue }
        $default = $null
        if ($instance) {
            $prop = $type.GetProperty($p.Name)
            if ($prop) { try { $default = Format-Default ($prop.GetValue($instance)) } catch { $default = $null } }
        }
        [ordered]@{
            Name      = $p.Name
            Type      = Get-FullTypeName $p.ParameterType
            TypeShort = Get-ShortTypeName $p.ParameterType
            IsSwitch  = $p.SwitchParameter
            Aliases   = @($p.Aliases)
            Globbing  = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            Default   = $default
            Sets      = @($p.ParameterSets.Keys)
        }
    }
    $sets = foreach ($s in $cmd.ParameterSets) {
        [ordered]@{
            Name      = $s.Name
            IsDefault = $s.IsDefault
            Params    = @(foreach ($sp in $s.Parameters) {
                    if ($sp.Name -in $common) { continue }
                    [ordered]@{
                        Name           = $sp.Name
                        Mandatory      = $sp.IsMandatory
                        Position       = $sp.Position
                        ByValue        = $sp.ValueFromPipeline
                        ByPropertyName = $sp.ValueFromPipelineByPropertyName
                    }
                })
        }
    }
    [ordered]@{
        Name                  = $cmd.Name
        Verb                  = $cmd.Verb
        Noun                  = $cmd.Noun
        DefaultParameterSet   = $cmd.DefaultParameterSet
        SupportsShouldProcess = [bool]$attr.SupportsShouldProcess
        ConfirmImpact         = [string]$attr.ConfirmImpact
        OutputTypes           = @($cmd.OutputType | ForEach-Object { $_.Name })
        Parameters            = @($params)
        ParameterSets         = @($sets)
    }
}
ConvertTo-Json -InputObject @($result) -Depth 8 | Set-Content -LiteralPath $OutFile -Encoding utf8
'@

$tempBase = Join-Path ([IO.Path]::GetTempPath()) "dac-help-$([guid]::NewGuid().ToString('n'))"
$probeFile = "$tempBase.ps1"
$probeOut = "$tempBase.json"
try {
    Set-Content -LiteralPath $probeFile -Value $probe -Encoding utf8
    $child = Invoke-Pwsh -File $probeFile -ArgumentList '-ModulePath', $ModulePath, '-OutFile', $probeOut
    if ($child.ExitCode -ne 0 -or -not (Test-Path $probeOut)) {
        throw "New-MamlHelp: could not read the cmdlets' metadata from '$ModulePath' (exit code $($child.ExitCode)): $($child.StdOut)$($child.StdErr)"
    }
    $commands = @(Get-Content -LiteralPath $probeOut -Raw | ConvertFrom-Json)
}
finally {
    Remove-Item -LiteralPath $probeFile, $probeOut -ErrorAction SilentlyContinue
}

# ---- 2. The Markdown ----------------------------------------------------------------------------------

function ConvertTo-PlainText([string] $Text) {
    # Inline Markdown to console text: links keep their text (and URL), code and emphasis lose their marks.
    $t = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]+)\)', { param($m) if ($m.Groups[2].Value -match '^https?://') { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" } else { $m.Groups[1].Value } })
    $t = [regex]::Replace($t, '\*\*([^*]+)\*\*', '$1')
    $t = [regex]::Replace($t, '`([^`]+)`', '$1')
    $t
}

function Split-Paragraphs([string[]] $Lines) {
    # Blank lines separate paragraphs. A paragraph that is a list or indented block keeps its line
    # breaks; prose is joined into one line so Get-Help can wrap it. Fenced blocks stay as they are.
    $paras = [Collections.Generic.List[string]]::new()
    $block = [Collections.Generic.List[string]]::new()
    $inFence = $false
    $flush = {
        if ($block.Count -gt 0) {
            $isList = $block.Where({ $_ -match '^\s*([-*]|\d+\.)\s' -or $_ -match '^\s{2,}\S' }, 'First').Count -gt 0
            $text = if ($isList) { ConvertTo-PlainText ((@(foreach ($l in $block) { $l.TrimEnd() })) -join "`n") }
            else { ConvertTo-PlainText ((@(foreach ($l in $block) { $l.Trim() })) -join ' ') }
            $paras.Add($text)
            $block.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            if ($inFence) { $block.Add('') ; $inFence = $false; . $flush; continue }
            . $flush; $inFence = $true; continue
        }
        if ($inFence) { $block.Add('    ' + $line); continue }
        if ($line.Trim().Length -eq 0) { . $flush; continue }
        $block.Add($line)
    }
    . $flush
    @($paras | ForEach-Object { $_.TrimEnd() } | Where-Object { $_.Length -gt 0 })
}

function Read-HelpMarkdown([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path -Encoding utf8)
    # Optional YAML front matter is skipped.
    if ($lines.Count -gt 0 -and $lines[0] -eq '---') {
        $end = [Array]::IndexOf($lines, '---', 1)
        if ($end -gt 0) { $lines = @($lines | Select-Object -Skip ($end + 1)) }
    }
    $doc = [ordered]@{ Name = $null; Sections = [ordered]@{} }
    $section = $null
    $inFence = $false
    foreach ($line in $lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence) {
            if ($line -match '^#\s+(\S.*?)\s*$' -and -not $doc.Name) { $doc.Name = $Matches[1]; continue }
            if ($line -match '^##\s+(\S.*?)\s*$') {
                $section = $Matches[1].ToUpperInvariant()
                if ($doc.Sections.Contains($section)) { throw "New-MamlHelp: $Path has the section '## $section' twice." }
                $doc.Sections[$section] = [Collections.Generic.List[string]]::new()
                continue
            }
        }
        if ($section) { $doc.Sections[$section].Add($line) }
    }
    $doc
}

function Split-Subsections([Collections.Generic.List[string]] $Lines) {
    # '### Heading' blocks inside a section (examples, parameters, input and output types).
    $items = [Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    if ($null -eq $Lines) { return , $items }
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^###\s+(\S.*?)\s*$') {
            $current = [pscustomobject]@{ Title = $Matches[1]; Lines = [Collections.Generic.List[string]]::new() }
            $items.Add($current)
            continue
        }
        if ($current) { $current.Lines.Add($line) }
    }
    , $items
}

function Get-SectionText($Doc, [string] $Name) {
    if ($Doc.Sections.Contains($Name)) { return @(Split-Paragraphs $Doc.Sections[$Name]) }
    @()
}

# ---- 3. Checks: the Markdown and the module agree ---------------------------------------------------

$errors = [Collections.Generic.List[string]]::new()
$docs = @{}
foreach ($file in Get-ChildItem -LiteralPath $SourcePath -Filter '*-*.md' -File) {
    $doc = Read-HelpMarkdown $file.FullName
    $name = $file.BaseName
    if ($doc.Name -ne $name) { $errors.Add("$($file.Name): its '# ' title is '$($doc.Name)', not '$name'.") }
    $docs[$name] = [pscustomobject]@{ File = $file.Name; Doc = $doc }
}

$commandNames = @($commands | ForEach-Object Name)
foreach ($name in $docs.Keys) {
    if ($name -notin $commandNames) { $errors.Add("$($docs[$name].File) documents '$name', which the module does not export.") }
}

$optional = 'WhatIf', 'Confirm'
$model = foreach ($cmd in $commands) {
    if (-not $docs.ContainsKey($cmd.Name)) {
        $errors.Add("$($cmd.Name) has no help: add docs/help/$($cmd.Name).md (see docs/help/README.md).")
        continue
    }
    $entry = $docs[$cmd.Name]
    $doc = $entry.Doc
    $where = $entry.File

    $synopsis = @(Get-SectionText $doc 'SYNOPSIS')
    $description = @(Get-SectionText $doc 'DESCRIPTION')
    if ($synopsis.Count -eq 0) { $errors.Add("${where}: ## SYNOPSIS is missing or empty.") }
    if ($description.Count -eq 0) { $errors.Add("${where}: ## DESCRIPTION is missing or empty.") }

    $examples = foreach ($ex in (Split-Subsections $doc.Sections['EXAMPLES'])) {
        $code = [Collections.Generic.List[string]]::new()
        $remarks = [Collections.Generic.List[string]]::new()
        $state = 'before'
        foreach ($line in $ex.Lines) {
            if ($state -eq 'before' -and $line -match '^\s*```') { $state = 'code'; continue }
            if ($state -eq 'code' -and $line -match '^\s*```\s*$') { $state = 'after'; continue }
            if ($state -eq 'code') { $code.Add($line) } elseif ($state -eq 'after') { $remarks.Add($line) } elseif ($line.Trim()) { $remarks.Add($line) }
        }
        if ($code.Count -eq 0) { $errors.Add("${where}: '### $($ex.Title)' has no ``````powershell code block.") }
        [pscustomobject]@{ Title = $ex.Title; Code = ($code -join "`n").TrimEnd(); Remarks = @(Split-Paragraphs $remarks) }
    }
    $examples = @($examples)
    if ($examples.Count -lt 2) { $errors.Add("${where}: ## EXAMPLES needs at least two '### Example N: title' entries (it has $($examples.Count)).") }

    $paramDocs = [ordered]@{}
    foreach ($p in (Split-Subsections $doc.Sections['PARAMETERS'])) {
        if ($p.Title -notmatch '^-(\w+)$') { $errors.Add("${where}: parameter heading '### $($p.Title)' must be '### -Name'."); continue }
        $pname = $Matches[1]
        $paras = @(Split-Paragraphs $p.Lines)
        if ($paras.Count -eq 0) { $errors.Add("${where}: -$pname has no description.") }
        $paramDocs[$pname] = $paras
    }
    $actual = @($cmd.Parameters | ForEach-Object Name)
    foreach ($pname in $paramDocs.Keys) {
        if ($pname -notin $actual) { $errors.Add("${where} documents -$pname, but $($cmd.Name) has no such parameter.") }
    }
    foreach ($pname in $actual) {
        if ($pname -notin $paramDocs.Keys -and $pname -notin $optional) { $errors.Add("$($cmd.Name) -$pname is undocumented: add '### -$pname' to $where.") }
    }

    $outputs = @(Split-Subsections $doc.Sections['OUTPUTS'])
    if ($outputs.Count -eq 0) { $errors.Add("${where}: ## OUTPUTS needs at least one '### TypeName' (use '### None' when the cmdlet writes nothing).") }
    foreach ($declared in $cmd.OutputTypes) {
        if (-not ($outputs | Where-Object { $_.Title -eq $declared -or $_.Title -like "*.$declared" -or $declared -like "*.$($_.Title)" })) {
            $errors.Add("${where}: $($cmd.Name) declares [OutputType($declared)], which ## OUTPUTS does not name.")
        }
    }
    $inputs = @(Split-Subsections $doc.Sections['INPUTS'])

    $links = @(if ($doc.Sections.Contains('RELATED LINKS')) {
            foreach ($line in $doc.Sections['RELATED LINKS']) {
                if ($line -match '^\s*[-*]\s+\[([^\]]+)\]\(([^)]*)\)') { [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] } }
                elseif ($line -match '^\s*[-*]\s+(\S.*?)\s*$') { [pscustomobject]@{ Text = (ConvertTo-PlainText $Matches[1]); Uri = '' } }
            }
        })

    [pscustomobject]@{
        Command     = $cmd
        Synopsis    = $synopsis
        Description = $description
        Examples    = $examples
        ParamDocs   = $paramDocs
        Inputs      = $inputs
        Outputs     = $outputs
        Notes       = @(Get-SectionText $doc 'NOTES')
        Links       = $links
    }
}

if ($errors.Count -gt 0) {
    throw "New-MamlHelp: the help in $SourcePath does not match the module:`n  - $($errors -join "`n  - ")"
}

# ---- 4. The MAML ----------------------------------------------------------------------------------

$nsMsh = 'http://msh'
$nsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$nsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$nsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Get-PipelineInputText($SetParam) {
    $kinds = @()
    if ($SetParam.ByPropertyName) { $kinds += 'ByPropertyName' }
    if ($SetParam.ByValue) { $kinds += 'ByValue' }
    if ($kinds.Count -eq 0) { return 'False' }
    "True ($($kinds -join ', '))"
}

function Get-StandardDescription($Cmd, [string] $Name) {
    switch ($Name) {
        'WhatIf' { "Shows what would happen if $($Cmd.Name) ran. The command is not run: nothing changes in the store or in AWS." }
        'Confirm' { "Prompts for confirmation before $($Cmd.Name) changes anything. Its ConfirmImpact is $($Cmd.ConfirmImpact), so with the default `$ConfirmPreference (High) it $(if ($Cmd.ConfirmImpact -eq 'High') { 'asks unless you pass -Confirm:$false' } else { 'asks only when you pass -Confirm' })." }
    }
}

$settings = [Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.Encoding = [Text.UTF8Encoding]::new($false)
$outDir = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Path $outDir -Force | Out-Null
$outFile = Join-Path $outDir $helpFileName
$w = [Xml.XmlWriter]::Create($outFile, $settings)

function Write-Paras([string[]] $Paras) {
    $w.WriteStartElement('maml', 'description', $nsMaml)
    foreach ($para in $Paras) { $w.WriteElementString('maml', 'para', $nsMaml, $para) }
    $w.WriteEndElement()
}

function Write-ParameterElement($Cmd, $Param, $SetParam, [string[]] $Description, [bool] $InSyntax) {
    $w.WriteStartElement('command', 'parameter', $nsCommand)
    $w.WriteAttributeString('required', ([string][bool]$SetParam.Mandatory).ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ([string]($Param.Type -like '*[[]]')).ToLowerInvariant())
    $w.WriteAttributeString('globbing', ([string]$Param.Globbing).ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', (Get-PipelineInputText $SetParam))
    $w.WriteAttributeString('position', $(if ($SetParam.Position -ge 0) { [string]$SetParam.Position } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if (@($Param.Aliases).Count) { @($Param.Aliases) -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $nsMaml, $Param.Name)
    Write-Paras $Description
    if (-not ($InSyntax -and $Param.IsSwitch)) {
        $w.WriteStartElement('command', 'parameterValue', $nsCommand)
        $w.WriteAttributeString('required', ([string](-not $Param.IsSwitch)).ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($Param.TypeShort)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $nsDev)
    $w.WriteElementString('maml', 'name', $nsMaml, $Param.Type)
    $w.WriteElementString('maml', 'uri', $nsMaml, '')
    $w.WriteEndElement()
    $default = if ($null -ne $Param.Default) { [string]$Param.Default } elseif ($Param.IsSwitch) { 'False' } else { 'None' }
    $w.WriteElementString('dev', 'defaultValue', $nsDev, $default)
    $w.WriteEndElement()
}

function Write-TypeList([string] $Outer, [string] $Inner, $Items) {
    $w.WriteStartElement('command', $Outer, $nsCommand)
    foreach ($item in $Items) {
        $w.WriteStartElement('command', $Inner, $nsCommand)
        $w.WriteStartElement('dev', 'type', $nsDev)
        $w.WriteElementString('maml', 'name', $nsMaml, $item.Title)
        $w.WriteEndElement()
        Write-Paras @(Split-Paragraphs $item.Lines)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

try {
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', $nsMsh)
    $w.WriteAttributeString('schema', 'maml')
    foreach ($m in $model) {
        $cmd = $m.Command
        $descriptionOf = @{}
        foreach ($p in $cmd.Parameters) {
            $descriptionOf[$p.Name] = if ($m.ParamDocs.Contains($p.Name)) { $m.ParamDocs[$p.Name] } else { @(Get-StandardDescription $cmd $p.Name) }
        }
        $paramByName = @{}
        foreach ($p in $cmd.Parameters) { $paramByName[$p.Name] = $p }

        $w.WriteStartElement('command', 'command', $nsCommand)
        $w.WriteAttributeString('xmlns', 'maml', $null, $nsMaml)
        $w.WriteAttributeString('xmlns', 'command', $null, $nsCommand)
        $w.WriteAttributeString('xmlns', 'dev', $null, $nsDev)

        $w.WriteStartElement('command', 'details', $nsCommand)
        $w.WriteElementString('command', 'name', $nsCommand, $cmd.Name)
        $w.WriteElementString('command', 'verb', $nsCommand, $cmd.Verb)
        $w.WriteElementString('command', 'noun', $nsCommand, $cmd.Noun)
        Write-Paras $m.Synopsis
        $w.WriteEndElement()

        Write-Paras $m.Description

        # One syntax item per parameter set, the default set first; positional parameters by position.
        $w.WriteStartElement('command', 'syntax', $nsCommand)
        $sets = @($cmd.ParameterSets | Sort-Object { -not $_.IsDefault }, Name)
        foreach ($set in $sets) {
            $w.WriteStartElement('command', 'syntaxItem', $nsCommand)
            $w.WriteElementString('maml', 'name', $nsMaml, $cmd.Name)
            $ordered = @($set.Params.Where({ $_.Position -ge 0 }) | Sort-Object Position) +
                @($set.Params.Where({ $_.Position -lt 0 -and $_.Name -notin $optional })) +
                @($set.Params.Where({ $_.Name -in $optional }))
            foreach ($sp in $ordered) {
                Write-ParameterElement $cmd $paramByName[$sp.Name] $sp $descriptionOf[$sp.Name] $true
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        # Every parameter once, in the Markdown's order; where sets disagree, the default set's view.
        $w.WriteStartElement('command', 'parameters', $nsCommand)
        $order = @($m.ParamDocs.Keys) + @($cmd.Parameters | ForEach-Object Name | Where-Object { $_ -notin $m.ParamDocs.Keys })
        foreach ($pname in $order) {
            $p = $paramByName[$pname]
            $views = @(foreach ($set in $sets) { foreach ($sp in $set.Params) { if ($sp.Name -eq $pname) { $sp } } })
            $view = [pscustomobject]@{
                Mandatory      = [bool]$views[0].Mandatory
                Position       = $views[0].Position
                ByValue        = $views.Where({ $_.ByValue }).Count -gt 0
                ByPropertyName = $views.Where({ $_.ByPropertyName }).Count -gt 0
            }
            Write-ParameterElement $cmd $p $view $descriptionOf[$pname] $false
        }
        $w.WriteEndElement()

        Write-TypeList 'inputTypes' 'inputType' $m.Inputs
        Write-TypeList 'returnValues' 'returnValue' $m.Outputs

        if ($m.Notes.Count -gt 0) {
            $w.WriteStartElement('maml', 'alertSet', $nsMaml)
            $w.WriteStartElement('maml', 'alert', $nsMaml)
            foreach ($para in $m.Notes) { $w.WriteElementString('maml', 'para', $nsMaml, $para) }
            $w.WriteEndElement()
            $w.WriteEndElement()
        }

        $w.WriteStartElement('command', 'examples', $nsCommand)
        $n = 0
        foreach ($ex in $m.Examples) {
            $n++
            $title = if ($ex.Title -match '^Example\s+\d+') { $ex.Title } else { "Example ${n}: $($ex.Title)" }
            $w.WriteStartElement('command', 'example', $nsCommand)
            # Dashes around the title, as Get-Help's own examples, as long as it fits 80 columns.
            $pad = [Math]::Max(0, [Math]::Floor((76 - $title.Length) / 2))
            $rule = if ($pad -ge 3) { '-' * $pad } else { '' }
            $w.WriteElementString('maml', 'title', $nsMaml, "$rule $title $rule".Trim())
            $w.WriteElementString('dev', 'code', $nsDev, $ex.Code)
            $w.WriteStartElement('dev', 'remarks', $nsDev)
            foreach ($para in $ex.Remarks) { $w.WriteElementString('maml', 'para', $nsMaml, $para) }
            $w.WriteEndElement()
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteStartElement('maml', 'relatedLinks', $nsMaml)
        foreach ($link in $m.Links) {
            $w.WriteStartElement('maml', 'navigationLink', $nsMaml)
            $w.WriteElementString('maml', 'linkText', $nsMaml, $link.Text)
            $w.WriteElementString('maml', 'uri', $nsMaml, $(if ($link.Uri -match '^https?://') { $link.Uri } else { '' }))
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteEndElement() # command:command
    }
    $w.WriteEndElement()
    $w.WriteEndDocument()
}
finally {
    $w.Dispose()
}

# The about_ topic ships from module/en-US; build.ps1 copies module/* already, so this only fills a gap.
$about = Join-Path (Split-Path $PSScriptRoot) 'module/en-US/about_DynamicAwsCreds.help.txt'
if ((Test-Path $about) -and -not (Test-Path (Join-Path $outDir 'about_DynamicAwsCreds.help.txt'))) {
    Copy-Item -LiteralPath $about -Destination $outDir
}

Write-Host "Help: $outFile ($(@($model).Count) cmdlets)"
