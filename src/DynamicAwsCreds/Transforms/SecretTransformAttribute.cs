using System.Management.Automation;
using System.Security;

namespace DynamicAwsCreds;

/// <summary>Accepts a secret as a SecureString or a plain string; either way the cmdlet receives a SecureString.</summary>
public sealed class SecretTransformAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var raw = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (raw is SecureString secure)
        {
            return secure;
        }

        var text = raw?.ToString() ?? string.Empty;
        var result = new SecureString();
        foreach (var ch in text)
        {
            result.AppendChar(ch);
        }

        result.MakeReadOnly();
        return result;
    }

    internal static string Reveal(SecureString secret) =>
        new System.Net.NetworkCredential(string.Empty, secret).Password;
}
