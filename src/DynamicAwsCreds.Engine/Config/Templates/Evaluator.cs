using System.Text;

namespace DynamicAwsCreds.Engine.Config.Templates;

/// <summary>
/// Walks a parsed template and writes its output, as Go's text/template executes one: dot, variables in scopes that
/// end at <c>{{ end }}</c>, <c>with</c>, <c>range</c> with <c>break</c>/<c>continue</c>. Each render has its own
/// <see cref="Execution"/>, so one tree serves any thread.
/// </summary>
internal static class Evaluator
{
    /// <summary>Range iterations one render may run; no name needs more, and a template cannot spin for ever.</summary>
    public const int MaxIterations = 10_000;

    /// <summary>Output one render may write; AWS names are at most 64 characters.</summary>
    public const int MaxOutput = 10_000;

    private enum Flow
    {
        Next,
        Break,
        Continue,
    }

    public static string Render(IReadOnlyList<Node> nodes, RenderContext context)
    {
        var run = new Execution(context);
        Write(run, nodes);
        return run.Output.ToString();
    }

    private static Flow Write(Execution run, IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes)
        {
            var flow = node switch
            {
                TextNode text => Append(run, text.Text, text.Position),
                ActionNode action => Action(run, action),
                IfNode conditional => If(run, conditional),
                RangeNode range => Range(run, range),
                LoopControlNode control => control.IsBreak ? Flow.Break : Flow.Continue,
                _ => throw new InvalidOperationException($"unknown node {node.GetType().Name}"),
            };
            if (flow != Flow.Next)
            {
                return flow;
            }
        }

        return Flow.Next;
    }

    private static Flow Append(Execution run, string text, Position position)
    {
        run.Output.Append(text);
        return run.Output.Length > MaxOutput
            ? throw new TemplateException($"the template writes more than {MaxOutput} characters", position)
            : Flow.Next;
    }

    // An action that declares or assigns a variable prints nothing.
    private static Flow Action(Execution run, ActionNode action)
    {
        var value = Eval(run, action.Pipeline);
        return action.Pipeline is Assignment ? Flow.Next : Append(run, Values.Print(value), action.Position);
    }

    private static Flow If(Execution run, IfNode node)
    {
        var mark = run.Mark();
        try
        {
            var value = Eval(run, node.Condition);
            if (!Values.IsTrue(value))
            {
                return Write(run, node.Else);
            }

            var dot = run.Dot;
            run.Dot = node.SetsDot ? value : dot;
            try
            {
                return Write(run, node.Then);
            }
            finally
            {
                run.Dot = dot;
            }
        }
        finally
        {
            run.Pop(mark);
        }
    }

    // Go ranges over an integer n as 0..n-1; the element is dot and the declared variable.
    private static Flow Range(Execution run, RangeNode node)
    {
        var mark = run.Mark();
        var dot = run.Dot;
        try
        {
            var count = Eval(run, node.Count);
            if (count is not long n)
            {
                throw new TemplateException($"range can't iterate over {Values.Print(count)}", node.Count.Position);
            }

            // As Go, the variable first holds the ranged value itself (what an {{else}} sees).
            if (node.Variable is { } variable)
            {
                if (node.Assigns)
                {
                    run.Assign(variable, n, node.Position);
                }
                else
                {
                    run.Declare(variable, n);
                }
            }

            if (n <= 0)
            {
                return Write(run, node.Else);
            }

            for (var i = 0L; i < n; i++)
            {
                if (++run.Iterations > MaxIterations)
                {
                    throw new TemplateException($"range runs more than {MaxIterations} times in one name", node.Position);
                }

                if (node.Variable is { } element)
                {
                    run.Assign(element, i, node.Position);
                }

                run.Dot = i;
                var inner = run.Mark();
                var flow = Write(run, node.Body);
                run.Pop(inner);
                if (flow == Flow.Break)
                {
                    break;
                }
            }

            return Flow.Next;
        }
        finally
        {
            run.Dot = dot;
            run.Pop(mark);
        }
    }

    private static object Eval(Execution run, Expr expr) => expr switch
    {
        StringLiteral s => s.Value,
        IntLiteral n => n.Value,
        BoolLiteral b => b.Value,
        DotRef => run.Dot,
        VariableRef v => run.Get(v.Name, v.Position),
        FieldRef f => Field(Eval(run, f.Receiver), f),
        Assignment a => Assign(run, a),
        Call call => Invoke(run, call, piped: null),
        Pipeline pipeline => EvalPipeline(run, pipeline),
        _ => throw new InvalidOperationException($"unknown expression {expr.GetType().Name}"),
    };

    private static object Field(object receiver, FieldRef field) =>
        receiver is TemplateData data
            ? field.Field.Read(data) ?? ""
            : throw new TemplateException($"can't evaluate field {field.Field.Name} in type {Values.GoTypeName(receiver)}", field.Position);

    private static object Assign(Execution run, Assignment assignment)
    {
        var value = Eval(run, assignment.Value);
        if (assignment.Declares)
        {
            run.Declare(assignment.Name, value);
        }
        else
        {
            run.Assign(assignment.Name, value, assignment.Position);
        }

        return value;
    }

    private static object EvalPipeline(Execution run, Pipeline pipeline)
    {
        var value = Eval(run, pipeline.Stages[0]);
        foreach (var stage in pipeline.Stages.Skip(1))
        {
            value = Invoke(run, (Call)stage, value);
        }

        return value;
    }

    private static object Invoke(Execution run, Call call, object? piped)
    {
        var function = call.Function;
        if (function.ShortCircuit != ShortCircuit.None)
        {
            return EvalShortCircuit(run, call, piped);
        }

        var args = call.Args.Select(a => Eval(run, a)).ToList();
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

            return function.Invoke([.. args], run.Context);
        }
        catch (FunctionException e)
        {
            throw new TemplateException(e.Message, call.Position);
        }
    }

    // Go's and/or stop at the first argument that decides the answer and return that argument itself.
    private static object EvalShortCircuit(Execution run, Call call, object? piped)
    {
        var stopWhen = call.Function.ShortCircuit == ShortCircuit.Or;
        var operands = call.Args.Select(a => (Func<object>)(() => Eval(run, a)));
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

    // Parsing has checked every type it could know; this catches values only known while rendering.
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

    /// <summary>One render's state: the output, dot, and the variables in scope (<c>$</c> first), newest last.</summary>
    private sealed class Execution(RenderContext context)
    {
        private readonly List<(string Name, object Value)> _variables = [("$", context.Data)];

        public RenderContext Context { get; } = context;

        public StringBuilder Output { get; } = new();

        public object Dot { get; set; } = context.Data;

        public int Iterations { get; set; }

        public int Mark() => _variables.Count;

        public void Pop(int mark) => _variables.RemoveRange(mark, _variables.Count - mark);

        public void Declare(string name, object value) => _variables.Add((name, value));

        public object Get(string name, Position position) => _variables[Find(name, position)].Value;

        public void Assign(string name, object value, Position position) => _variables[Find(name, position)] = (name, value);

        private int Find(string name, Position position)
        {
            var i = _variables.FindLastIndex(v => v.Name == name);
            return i >= 0 ? i : throw new TemplateException($"undefined variable: {name}", position);
        }
    }
}
