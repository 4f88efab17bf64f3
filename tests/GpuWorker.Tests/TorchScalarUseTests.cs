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
/// caught too). It cannot see a TorchSharp method reached only through an interface or a delegate that the worker does
/// not name, nor the bodies of TorchSharp's iterators and async methods.
/// </summary>
public sealed class TorchScalarUseTests
{
    [Fact]
    public void TorchSharp_methods_that_make_a_Scalar_inside_are_found_in_its_IL()
    {
        var (makers, modules) = ScalarMakers.Value;

        // TorchSharp's own add(Tensor) passes alpha = 1; the + operator calls it; BatchNorm counts its batches with add_(1).
        Assert.Contains("TorchSharp.torch+Tensor.add(Tensor)", makers);
        Assert.Contains("TorchSharp.torch+Tensor.add_(Tensor)", makers);
        Assert.Contains("TorchSharp.torch+Tensor.op_Addition(Tensor,Tensor)", makers);
        Assert.Contains("TorchSharp.Modules.BatchNorm.forward(Tensor)", makers);
        Assert.DoesNotContain("TorchSharp.torch+Tensor.add(Tensor,Scalar)", makers);
        Assert.DoesNotContain("TorchSharp.torch+Tensor.sub(Tensor)", makers);
        Assert.Contains("TorchSharp.Modules.BatchNorm2d", modules);
        Assert.DoesNotContain("TorchSharp.Modules.Conv2d", modules);
    }

    [Fact]
    public void The_worker_never_makes_a_Scalar_on_the_fly()
    {
        var sources = WorkerSources();
        Assert.True(sources.Count > 50, $"only {sources.Count} source files found under src/GpuWorker");

        var places = FindPlaces(sources);

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
                    a += b;                          // TorchSharp's alpha = 1, compound
                    _ = nn.Sequential(("0", nn.BatchNorm2d(4))); // its forward counts batches with add_(1)
                    Func<Tensor, Tensor> f = square; // a method group that makes one inside
                }
                static Tensor Squared(Tensor t) => t.square(); // pow(2)
            }
            """;

        var places = FindPlaces([("Sample.cs", source)]);

        Assert.Equal(["Sample.cs:8", "Sample.cs:9", "Sample.cs:10", "Sample.cs:11", "Sample.cs:16", "Sample.cs:17", "Sample.cs:18", "Sample.cs:20"], places.Select(p => p[..p.IndexOf(' ')]));
    }

    private static readonly Lazy<(HashSet<string> Methods, HashSet<string> Modules)> ScalarMakers = new(FindScalarMakers);

    /// <summary>
    /// Every TorchSharp method whose IL makes a Scalar (a Scalar constructor, <c>Scalar.op_Implicit</c> or
    /// <c>ToScalar</c>), or calls one that does, as "Type.name(ParameterTypes)"; and every TorchSharp module type whose
    /// <c>forward</c> (its own or an inherited one) is such a method. A module's forward is reached through a virtual
    /// call (<c>Sequential</c>, <c>Module.call</c>) that names only the abstract method, so it is the module's creation
    /// that is found.
    /// </summary>
    private static (HashSet<string> Methods, HashSet<string> Modules) FindScalarMakers()
    {
        var assembly = typeof(Scalar).Assembly;
        var callees = new Dictionary<(Module, int), List<(Module, int)>>();
        var methods = new Dictionary<(Module, int), MethodBase>();
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                methods[Id(method)] = method;
                callees[Id(method)] = Calls(method).Where(IsSeed).Select(_ => Seed).Concat(Calls(method).Select(Id)).ToList();
            }

        var makers = callees.Where(kv => kv.Value.Contains(Seed)).Select(kv => kv.Key).ToHashSet();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (method, calls) in callees)
                if (!makers.Contains(method) && calls.Any(makers.Contains))
                    grew = makers.Add(method);
        }
        var modules = assembly.GetTypes()
            .Where(t => typeof(torch.nn.Module).IsAssignableFrom(t) && !t.IsAbstract)
            .Where(t => Lineage(t).SelectMany(b => b.GetMethods(All)).Any(m => m.Name == "forward" && makers.Contains(Id(m))))
            .Select(t => t.FullName!).ToHashSet();
        return (makers.Select(m => Key(methods[m])).ToHashSet(), modules);

        static bool IsSeed(MethodBase c) =>
            c.DeclaringType == typeof(Scalar) && (c.IsConstructor || c.Name == "op_Implicit") ||
            c.DeclaringType == typeof(ScalarExtensionMethods) && c.Name == "ToScalar";

        static IEnumerable<Type> Lineage(Type t)
        {
            for (var b = t; b is not null && b.Assembly == t.Assembly; b = b.BaseType) yield return b;
        }
    }

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>A method's identity whatever generic arguments it is seen with: its module and metadata token.</summary>
    private static (Module, int) Id(MethodBase m) => (m.Module, m.MetadataToken);

    /// <summary>Stands for "makes a Scalar itself" among a method's callees.</summary>
    private static readonly (Module, int) Seed = (typeof(Scalar).Module, 0);

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
        foreach (var tree in trees)
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
        IInvocationOperation { TargetMethod: var m } when m.Name == "ToScalar" && IsScalar(m.ReturnType) => IsHeld(operation.Syntax) ? null : "ToScalar() not held",
        IInvocationOperation { TargetMethod: var m } when MakesScalar(m) => $"{m.Name}: TorchSharp makes a Scalar inside",
        IBinaryOperation { OperatorMethod: { } m } when MakesScalar(m) => $"operator {m.Name}: TorchSharp makes a Scalar inside",
        IUnaryOperation { OperatorMethod: { } m } when MakesScalar(m) => $"operator {m.Name}: TorchSharp makes a Scalar inside",
        IObjectCreationOperation { Constructor: { } m } when MakesScalar(m) => $"new {m.ContainingType.Name}: TorchSharp makes a Scalar inside",
        ICompoundAssignmentOperation { OperatorMethod: { } m } when MakesScalar(m) => $"operator {m.Name}: TorchSharp makes a Scalar inside",
        IPropertyReferenceOperation { Property: var p } when p.GetMethod is { } g && MakesScalar(g) || p.SetMethod is { } t && MakesScalar(t) => $"{p.Name}: TorchSharp makes a Scalar inside",
        IMethodReferenceOperation { Method: var m } when MakesScalar(m) => $"{m.Name}: TorchSharp makes a Scalar inside",
        IInvocationOperation { TargetMethod.ReturnType: INamedTypeSymbol t } when IsMakerModule(t) => $"{t.Name}: its forward makes a Scalar inside",
        IObjectCreationOperation { Type: INamedTypeSymbol t } when IsMakerModule(t) => $"{t.Name}: its forward makes a Scalar inside",
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
        var key = $"{FullName(definition.ContainingType)}.{definition.MetadataName}({string.Join(",", definition.Parameters.Select(p => TypeName(p.Type) + (p.RefKind == RefKind.None ? "" : "&")))})";
        return ScalarMakers.Value.Methods.Contains(key);
    }

    private static bool IsMakerModule(INamedTypeSymbol type) =>
        type.ContainingAssembly?.Name == "TorchSharp" && ScalarMakers.Value.Modules.Contains(FullName(type.OriginalDefinition));

    /// <summary>A type's name as reflection's <c>Type.FullName</c> writes it for a type definition: Namespace.Outer+Inner`1.</summary>
    private static string FullName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) name = outer.MetadataName + "+" + name;
        return $"{type.ContainingNamespace.ToDisplayString()}.{name}";
    }

    private static string TypeName(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => TypeName(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]",
        IPointerTypeSymbol pointer => TypeName(pointer.PointedAtType) + "*",
        _ => type.MetadataName,
    };
}
