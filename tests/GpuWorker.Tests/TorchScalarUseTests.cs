using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Atelier.GpuWorker.Jobs;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using TorchSharp;

namespace Atelier.GpuWorker.Tests;

/// <summary>
/// No Scalar is made on the fly anywhere in the worker (see <see cref="KeptScalars"/>): the worker's sources are
/// compiled here and every place is listed where a number becomes a Scalar without being held, or where a TorchSharp
/// method is called that makes one inside (found in TorchSharp's own IL, so an upgrade that adds such a method is
/// caught too).
/// </summary>
public sealed class TorchScalarUseTests
{
    [Fact]
    public void TorchSharp_methods_that_make_a_Scalar_inside_are_found_in_its_IL()
    {
        var makers = ScalarMakers.Value;

        // TorchSharp's own add(Tensor) passes alpha = 1; the + operator calls it; BatchNorm counts its batches with add_(1).
        Assert.Contains("TorchSharp.torch+Tensor.add(Tensor)", makers);
        Assert.Contains("TorchSharp.torch+Tensor.add_(Tensor)", makers);
        Assert.Contains("TorchSharp.torch+Tensor.op_Addition(Tensor,Tensor)", makers);
        Assert.Contains("TorchSharp.Modules.BatchNorm.forward(Tensor)", makers);
        Assert.DoesNotContain("TorchSharp.torch+Tensor.add(Tensor,Scalar)", makers);
        Assert.DoesNotContain("TorchSharp.torch+Tensor.sub(Tensor)", makers);
    }

    [Fact]
    public void The_worker_never_makes_a_Scalar_on_the_fly()
    {
        var places = FindPlaces(WorkerSources());

        Assert.True(places.Count == 0, $"{places.Count} Scalars made on the fly (hold them: see KeptScalars):\n" + string.Join("\n", places));
    }

    [Fact]
    public void The_search_finds_each_kind_of_Scalar_made_on_the_fly()
    {
        const string source = """
            using TorchSharp;
            using static TorchSharp.torch;
            static class Sample
            {
                static readonly Scalar Kept = 2.0.ToScalar();
                static void Run(Tensor a, Tensor b, double k)
                {
                    a.mul_(k);                       // converted on the fly
                    _ = a + b;                       // TorchSharp's alpha = 1
                    a.add_(b);                       // the same, named
                    a.mul_(k.ToScalar());            // made, never held
                    using var held = k.ToScalar();
                    a.mul_(held);                    // fine
                    a.add_(b, Kept);                 // fine
                    _ = a - b;                       // fine: sub takes no alpha
                }
            }
            """;

        var places = FindPlaces([("Sample.cs", source)]);

        Assert.Equal(["Sample.cs:8", "Sample.cs:9", "Sample.cs:10", "Sample.cs:11"], places.Select(p => p[..p.IndexOf(' ')]));
    }

    private static readonly Lazy<HashSet<string>> ScalarMakers = new(FindScalarMakers);

    /// <summary>
    /// Every TorchSharp method whose IL makes a Scalar (<c>Scalar.op_Implicit</c> or <c>ToScalar</c>), or calls one
    /// that does, as "Type.name(ParameterTypes)".
    /// </summary>
    private static HashSet<string> FindScalarMakers()
    {
        var assembly = typeof(Scalar).Assembly;
        var callees = new Dictionary<MethodBase, List<MethodBase>>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                callees[method] = Calls(method).ToList();

        var makers = callees.Where(kv => kv.Value.Any(c =>
                c.DeclaringType == typeof(Scalar) && c.Name == "op_Implicit" || c.Name == "ToScalar" && c.DeclaringType == typeof(ScalarExtensionMethods)))
            .Select(kv => kv.Key).ToHashSet();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (method, calls) in callees)
                if (!makers.Contains(method) && calls.Any(c => makers.Contains(c.IsGenericMethod ? ((MethodInfo)c).GetGenericMethodDefinition() : c)))
                    grew = makers.Add(method);
        }
        return makers.Select(Key).ToHashSet();
    }

    private static string Key(MethodBase m) =>
        $"{m.DeclaringType!.FullName}.{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The methods <paramref name="method"/>'s IL calls (call, callvirt, newobj, ldftn).</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var op = OpCodesByValue[value];
            i += op.Size;
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                        method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException) { }
                if (callee is not null) yield return callee;
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    /// <summary>Every .cs file of src/GpuWorker (not bin or obj), as (path relative to the repository, text).</summary>
    private static List<(string Path, string Text)> WorkerSources()
    {
        var root = RepositoryRoot();
        var worker = Path.Combine(root, "src", "GpuWorker");
        return Directory.EnumerateFiles(worker, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Path.GetRelativePath(root, f), File.ReadAllText(f))).ToList();
    }

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    /// <summary>"file:line what" for each Scalar made on the fly in <paramref name="sources"/>, compiled against this process's assemblies.</summary>
    private static List<string> FindPlaces(IReadOnlyList<(string Path, string Text)> sources)
    {
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview);
        var usings = CSharpSyntaxTree.ParseText("""
            global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq;
            global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;
            """, options);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, options, s.Path)).Append(usings).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("Atelier.GpuWorker", StringComparison.Ordinal))
            .DistinctBy(Path.GetFileName)
            .Select(p => { try { return MetadataReference.CreateFromFile(p); } catch (BadImageFormatException) { return null; } })
            .OfType<MetadataReference>();
        var compilation = CSharpCompilation.Create("WorkerScan", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // Source generators do not run here: their partial methods have no body (CS8795). Program.cs's top-level statements need an executable (CS8805).
        var torchErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id is not ("CS8795" or "CS8805")).Take(5).ToList();
        Assert.True(torchErrors.Count == 0, "the worker's sources do not compile here:\n" + string.Join("\n", torchErrors));

        var places = new List<string>();
        // KeptScalars.cs is the one place that makes Scalars, each held in a using or a static field.
        foreach (var tree in trees.Where(t => Path.GetFileName(t.FilePath) != "KeptScalars.cs"))
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
                if (model.GetOperation(node) is { } operation)
                    Check(operation);

            // An implicit operation (a conversion of an argument, say) has no syntax of its own: it is checked with the node it belongs to.
            void Check(IOperation operation)
            {
                var what = Describe(operation);
                if (what is not null)
                    places.Add($"{tree.FilePath}:{tree.GetLineSpan(operation.Syntax.Span).StartLinePosition.Line + 1} {what}: {operation.Syntax}");
                foreach (var child in operation.ChildOperations)
                    if (child.IsImplicit || child is IArgumentOperation) Check(child);
            }
        }
        return places.Distinct().ToList();
    }

    private static string? Describe(IOperation operation) => operation switch
    {
        IConversionOperation { OperatorMethod: { } m } when IsScalar(m.ContainingType) => "a number converted to a Scalar",
        IArgumentOperation { InConversion: { IsUserDefined: true, MethodSymbol: { } m } } when IsScalar(m.ContainingType) => "a number converted to a Scalar",
        IInvocationOperation { TargetMethod: var m } when m.Name == "ToScalar" && IsScalar(m.ReturnType) && !IsHeld(operation.Syntax) => "ToScalar() not held",
        IInvocationOperation { TargetMethod: var m } when MakesScalar(m) => $"{m.Name}: TorchSharp makes a Scalar inside",
        IBinaryOperation { OperatorMethod: { } m } when MakesScalar(m) => $"operator {m.Name}: TorchSharp makes a Scalar inside",
        IUnaryOperation { OperatorMethod: { } m } when MakesScalar(m) => $"operator {m.Name}: TorchSharp makes a Scalar inside",
        IObjectCreationOperation { Constructor: { } m } when MakesScalar(m) => $"new {m.ContainingType.Name}: TorchSharp makes a Scalar inside",
        _ => null,
    };

    private static bool IsScalar(ITypeSymbol? type) => type is { Name: "Scalar", ContainingNamespace.Name: "TorchSharp" };

    /// <summary>Whether the ToScalar() call at <paramref name="node"/> initialises a using variable or a static field.</summary>
    private static bool IsHeld(SyntaxNode node) => node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } } &&
        declaration.Parent switch
        {
            LocalDeclarationStatementSyntax local => local.UsingKeyword != default,
            UsingStatementSyntax => true,
            FieldDeclarationSyntax field => field.Modifiers.Any(SyntaxKind.StaticKeyword),
            _ => false,
        };

    private static bool MakesScalar(IMethodSymbol method)
    {
        if (method.ContainingAssembly?.Name != "TorchSharp") return false;
        var definition = method.OriginalDefinition;
        var type = definition.ContainingType;
        var typeName = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) typeName = outer.MetadataName + "+" + typeName;
        var key = $"{type.ContainingNamespace.ToDisplayString()}.{typeName}.{definition.MetadataName}({string.Join(",", definition.Parameters.Select(p => TypeName(p.Type) + (p.RefKind == RefKind.None ? "" : "&")))})";
        return ScalarMakers.Value.Contains(key);
    }

    private static string TypeName(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => TypeName(array.ElementType) + "[]",
        IPointerTypeSymbol pointer => TypeName(pointer.PointedAtType) + "*",
        _ => type.MetadataName,
    };
}
