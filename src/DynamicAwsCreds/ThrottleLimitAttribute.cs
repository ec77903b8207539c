using System.Management.Automation;
using DynamicAwsCreds.Engine;

namespace DynamicAwsCreds;

/// <summary>
/// Marks an int parameter as a -ThrottleLimit. <see cref="DynamicAwsCredsCmdlet"/> checks every marked parameter
/// that was given before the cmdlet's work runs: outside 1–64 fails with DynamicAwsCreds.InvalidThrottleLimit
/// (InvalidArgument, the value as target) and changes nothing. Not a ValidateArgumentsAttribute, since the binder
/// reports every failure of one as ParameterArgumentValidationError.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ThrottleLimitAttribute : Attribute
{
    internal static void CheckBound(PSCmdlet cmdlet)
    {
        foreach (var (name, value) in cmdlet.MyInvocation.BoundParameters)
        {
            if (value is int limit && cmdlet.GetType().GetProperty(name)?.IsDefined(typeof(ThrottleLimitAttribute), inherit: true) == true)
            {
                CredsEngine.ValidateThrottleLimit(limit);
            }
        }
    }
}
