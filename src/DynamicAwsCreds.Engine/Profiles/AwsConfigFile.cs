namespace DynamicAwsCreds.Engine.Profiles;

/// <summary>
/// The text of an AWS config file, edited line by line: a profile's credential_process is written or removed and every
/// other line, comment, blank line and line ending stays as it was. What Register-AwsCredentialProfile writes follows a
/// marker comment, so that Unregister-AwsCredentialProfile removes that and nothing else.
/// </summary>
internal sealed class AwsConfigFile
{
    /// <summary>Marks a section this module created: header, marker and credential_process are all its own.</summary>
    public const string SectionMarker = "# DynamicAwsCreds: this profile was written by Register-AwsCredentialProfile";

    /// <summary>Marks the credential_process line this module added to a section somebody else wrote.</summary>
    public const string LineMarker = "# DynamicAwsCreds: the next line was written by Register-AwsCredentialProfile";

    private const string Key = "credential_process";

    // Keys that give a profile credentials of its own: a credential_process beside them would not be the one used.
    private static readonly string[] CredentialKeys =
        [Key, "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "role_arn", "source_profile", "credential_source", "web_identity_token_file"];

    private const char ByteOrderMark = '\uFEFF';

    private readonly List<Line> _lines;
    private readonly string _newLine;
    private readonly bool _byteOrderMark;

    private AwsConfigFile(List<Line> lines, string newLine, bool byteOrderMark)
    {
        _lines = lines;
        _newLine = newLine;
        _byteOrderMark = byteOrderMark;
    }

    /// <summary>One line: its text without the ending, and the ending it had ("" for a last line without one).</summary>
    private sealed record Line(string Text, string Ending);

    /// <summary>Reads the file's text; a byte order mark it starts with is kept aside and written back.</summary>
    public static AwsConfigFile Parse(string text)
    {
        var lines = new List<Line>();
        var byteOrderMark = text.StartsWith(ByteOrderMark);
        var start = byteOrderMark ? 1 : 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                lines.Add(new Line(text[start..], ""));
                break;
            }

            var crlf = end > start && text[end - 1] == '\r';
            lines.Add(new Line(text[start..(crlf ? end - 1 : end)], crlf ? "\r\n" : "\n"));
            start = end + 1;
        }

        var first = lines.FirstOrDefault(l => l.Ending.Length > 0);
        return new AwsConfigFile(lines, first?.Ending ?? Environment.NewLine, byteOrderMark);
    }

    public override string ToString() => (_byteOrderMark ? ByteOrderMark.ToString() : "") + string.Concat(_lines.Select(l => l.Text + l.Ending));

    /// <summary>The section header a profile has in the config file: [default] for the default profile, else [profile name].</summary>
    public static string Header(string profileName) =>
        profileName == "default" ? "[default]" : $"[profile {profileName}]";

    /// <summary>
    /// Writes the profile's credential_process: in place when this module wrote it before, else into the profile's
    /// section (refused while the section has credentials of its own, unless <paramref name="force"/>), else in a new
    /// section at the end. Returns whether the section is new and the credential keys of others that stay in it.
    /// </summary>
    public (bool Created, IReadOnlyList<string> OtherKeys) Register(string profileName, string credentialProcess, bool force)
    {
        var property = $"{Key} = {credentialProcess}";
        if (FindSection(profileName) is not { } section)
        {
            AppendSection(profileName, property);
            return (true, []);
        }

        var marker = FindMarker(section);
        var others = CredentialKeysOfOthers(section, marker);
        if (others.Count > 0 && !force)
        {
            throw new EngineException("ProfileHasCredentials", ErrorKind.ResourceExists, profileName,
                $"The profile '{profileName}' already has credentials that Register-AwsCredentialProfile did not write ({string.Join(", ", others)}). "
                + "Nothing was changed. Use -Force to replace only its credential_process, or choose another -ProfileName.");
        }

        if (marker is { } m)
        {
            if (OwnLine(m) is { } own)
            {
                _lines[own] = _lines[own] with { Text = property };
            }
            else
            {
                Insert(m + 1, property);
            }
        }
        else if (section.Lines.FirstOrDefault(i => KeyOf(_lines[i].Text) == Key, -1) is var existing and >= 0)
        {
            _lines[existing] = _lines[existing] with { Text = property };
            Insert(existing, LineMarker);
        }
        else
        {
            var after = section.Lines.LastOrDefault(i => _lines[i].Text.Trim().Length > 0, section.Header);
            Insert(after + 1, LineMarker, property);
        }

        return (false, others.Where(k => k != Key).ToList());
    }

    /// <summary>
    /// Removes what <see cref="Register"/> wrote for the profile: its marker and credential_process line, and the
    /// section's header too when this module created the section and nothing else was added to it since.
    /// Returns whether the whole section went.
    /// </summary>
    public bool Unregister(string profileName)
    {
        var section = FindSection(profileName) ?? throw new EngineException("ProfileNotFound", ErrorKind.ObjectNotFound, profileName,
            $"The config file has no profile '{profileName}' ({Header(profileName)}). Nothing was changed.");
        if (FindMarker(section) is not { } marker)
        {
            throw new EngineException("ProfileNotRegistered", ErrorKind.InvalidOperation, profileName,
                $"The profile '{profileName}' was not written by Register-AwsCredentialProfile, so it is left as it is. Nothing was changed.");
        }

        var created = _lines[marker].Text.Trim() == SectionMarker;
        var remove = new List<int> { marker };
        if (OwnLine(marker) is { } own)
        {
            remove.Add(own);
        }

        var rest = section.Lines.Except(remove).Where(i => _lines[i].Text.Trim().Length > 0);
        var wholeSection = created && !rest.Any();
        if (wholeSection)
        {
            // The blank line Register put before the header goes too; blank lines after the section stay, as separators.
            remove.Add(section.Header);
            if (section.Header > 0 && _lines[section.Header - 1].Text.Trim().Length == 0)
            {
                remove.Add(section.Header - 1);
            }
        }

        foreach (var index in remove.Distinct().OrderDescending())
        {
            _lines.RemoveAt(index);
        }

        return wholeSection;
    }

    /// <summary>A section: the index of its header line and of the lines that follow it up to the next header.</summary>
    private sealed record Section(int Header, IReadOnlyList<int> Lines);

    private Section? FindSection(string profileName)
    {
        for (var i = 0; i < _lines.Count; i++)
        {
            if (SectionName(_lines[i].Text) is { } name && Matches(name, profileName))
            {
                var lines = new List<int>();
                for (var j = i + 1; j < _lines.Count && SectionName(_lines[j].Text) is null; j++)
                {
                    lines.Add(j);
                }

                return new Section(i, lines);
            }
        }

        return null;
    }

    private static bool Matches(string sectionName, string profileName)
    {
        if (profileName == "default" && sectionName == "default")
        {
            return true;
        }

        var parts = sectionName.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts[0] == "profile" && parts[1] == profileName;
    }

    /// <summary>The text between the brackets of a section header line, else null.</summary>
    private static string? SectionName(string line)
    {
        var text = line.Trim();
        if (!text.StartsWith('['))
        {
            return null;
        }

        var close = text.IndexOf(']');
        return close < 0 ? null : text[1..close].Trim();
    }

    /// <summary>The key of a property line (lower case), else null: comments, blank lines and indented sub-properties have none.</summary>
    private static string? KeyOf(string line)
    {
        if (line.Length == 0 || char.IsWhiteSpace(line[0]) || line[0] is '#' or ';')
        {
            return null;
        }

        var equals = line.IndexOf('=');
        return equals <= 0 ? null : line[..equals].Trim().ToLowerInvariant();
    }

    private int? FindMarker(Section section)
    {
        foreach (var i in section.Lines)
        {
            if (_lines[i].Text.Trim() is SectionMarker or LineMarker)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>The credential_process line right after the marker, when it is still there.</summary>
    private int? OwnLine(int marker) =>
        marker + 1 < _lines.Count && KeyOf(_lines[marker + 1].Text) == Key ? marker + 1 : null;

    private List<string> CredentialKeysOfOthers(Section section, int? marker)
    {
        var own = marker is { } m ? OwnLine(m) : null;
        return section.Lines
            .Where(i => i != own)
            .Select(i => KeyOf(_lines[i].Text))
            .OfType<string>()
            .Where(k => CredentialKeys.Contains(k) || k.StartsWith("sso_", StringComparison.Ordinal))
            .Distinct()
            .ToList();
    }

    private void AppendSection(string profileName, string property)
    {
        if (_lines.Count > 0 && _lines[^1].Ending.Length == 0)
        {
            _lines[^1] = _lines[^1] with { Ending = _newLine };
        }

        if (_lines.Count > 0 && _lines[^1].Text.Trim().Length > 0)
        {
            _lines.Add(new Line("", _newLine));
        }

        _lines.Add(new Line(Header(profileName), _newLine));
        _lines.Add(new Line(SectionMarker, _newLine));
        _lines.Add(new Line(property, _newLine));
    }

    private void Insert(int index, params string[] texts)
    {
        if (index == _lines.Count && index > 0 && _lines[^1].Ending.Length == 0)
        {
            _lines[^1] = _lines[^1] with { Ending = _newLine };
        }

        _lines.InsertRange(index, texts.Select(t => new Line(t, _newLine)));
    }
}
