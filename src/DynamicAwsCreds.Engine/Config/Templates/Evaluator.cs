using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>Walks a parsed template and writes its output. Holds no state of its own, so one tree serves any thread.</summary>
internal static class Evaluator
{
    public static string Render(IReadOnlyList<Node> nodes, RenderContext context)
    {
        var sb = new StringBuilder();
        Write(sb, nodes, context);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, IReadOnlyList<Node> nodes, RenderContext context)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    sb.Append(text.Text);
                    break;
                case ActionNode action:
                    sb.Append(Values.Print(Eval(action.Pipeline, context)));
                    break;
                case IfNode conditional:
                    var branch = Values.IsTrue(Eval(conditional.Condition, context)) ? conditional.Then : conditional.Else;
                    Write(sb, branch, context);
                    break;
            }
        }
    }

    private static object Eval(Expr expr, RenderContext context) => expr switch
    {
        StringLiteral s => s.Value,
        IntLiteral n => n.Value,
        BoolLiteral b => b.Value,
        FieldRef f => f.Field.Read(context.Data) ?? "",
        Call call => Invoke(call, piped: null, context),
        Pipeline pipeline => EvalPipeline(pipeline, context),
        _ => throw new InvalidOperationException($"unknown expression {expr.GetType().Name}"),
    };

    private static object EvalPipeline(Pipeline pipeline, RenderContext context)
    {
        var value = Eval(pipeline.Stages[0], context);
        foreach (var stage in pipeline.Stages.Skip(1))
        {
            value = Invoke((Call)stage, value, context);
        }

        return value;
    }

    private static object Invoke(Call call, object? piped, RenderContext context)
    {
        var function = call.Function;
        if (function.ShortCircuit != ShortCircuit.None)
        {
            return EvalShortCircuit(call, piped, context);
        }

        var args = call.Args.Select(a => Eval(a, context)).ToList();
        if (piped is not null)
        {
            args.Add(piped);
        }

        try
        {
            CheckTypes(function, args);
            if (function.Validate?.Invoke(args.Select(a => new ArgInfo(Values.TypeOf(a), a)).ToList()) is { } error)
            {
                throw new FunctionException(error);
            }

            return function.Invoke([.. args], context);
        }
        catch (FunctionException e)
        {
            throw new TemplateException(e.Message, call.Position);
        }
    }

    // Go's and/or stop at the first argument that decides the answer and return that argument itself.
    private static object EvalShortCircuit(Call call, object? piped, RenderContext context)
    {
        var stopWhen = call.Function.ShortCircuit == ShortCircuit.Or;
        var operands = call.Args.Select(a => (Func<object>)(() => Eval(a, context)));
        if (piped is not null)
        {
            operands = operands.Append(() => piped);
        }

        object last = false;
        foreach (var operand in operands)
        {
            last = operand();
            if (Values.IsTrue(last) == stopWhen)
            {
                return last;
            }
        }

        return last;
    }

    // Parsing has checked every type it could know; this catches values that only and/or made uncertain.
    private static void CheckTypes(Function function, List<object> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var wanted = i < function.Parameters.Count ? function.Parameters[i] : function.Variadic ?? ValueType.Any;
            var got = Values.TypeOf(args[i]);
            if (wanted != ValueType.Any && wanted != got)
            {
                throw new FunctionException(
                    $"{function.Name}: argument {i + 1} must be {Values.Describe(wanted)}, not {Values.Describe(got)} (usage: {function.Usage})");
            }
        }
    }
}
