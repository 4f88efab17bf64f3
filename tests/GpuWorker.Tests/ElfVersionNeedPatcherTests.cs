using System.Reflection;
using Atelier.Build;

namespace Atelier.GpuWorker.Tests;

/// <summary>Tests of build/ElfVersionNeedPatcher.cs, the logic behind build/TorchSharpGlibcxxFix.targets.</summary>
public sealed class ElfVersionNeedPatcherTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";
    private readonly string dir = Directory.CreateTempSubdirectory("elf-patch-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Patching_sets_the_weak_flag_once_and_a_second_run_changes_nothing()
    {
        string pristine = PristineLibTorchSharp();
        string copy = CopyToTemp(pristine);
        var lastWrite = File.GetLastWriteTimeUtc(copy);

        Assert.Equal(VersionNeedPatchResult.Patched, ElfVersionNeedPatcher.MarkWeak(copy, Version));
        byte[] afterFirst = File.ReadAllBytes(copy);
        Assert.Equal(VersionNeedPatchResult.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(copy, Version));
        byte[] afterSecond = File.ReadAllBytes(copy);

        Assert.Equal(afterFirst, afterSecond);
        Assert.Equal(lastWrite, File.GetLastWriteTimeUtc(copy));

        // Exactly the low byte of vna_flags changed, gaining VER_FLG_WEAK.
        byte[] original = File.ReadAllBytes(pristine);
        int flags = Assert.Single(ElfVersionNeedPatcher.FindVernauxFlagOffsets(original, Version));
        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != afterFirst[i]).ToArray();
        Assert.Equal(new[] { flags }, changed);
        Assert.Equal(original[flags] | ElfVersionNeedPatcher.VerFlagWeak, afterFirst[flags]);
    }

    [Fact]
    public void An_elf_without_the_version_is_left_byte_identical()
    {
        string copy = CopyToTemp("/bin/ls");
        byte[] before = File.ReadAllBytes(copy);

        Assert.NotEmpty(ElfVersionNeedPatcher.FindVernauxFlagOffsets(before, "GLIBC_2.2.5")); // the walk does find real entries
        Assert.Equal(VersionNeedPatchResult.NotReferenced, ElfVersionNeedPatcher.MarkWeak(copy, Version));
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_non_elf_file_is_an_error()
    {
        string text = Path.Combine(dir, "libLibTorchSharp.so");
        File.WriteAllText(text, "not a shared object\n");

        var error = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(text, Version));
        Assert.Contains("not an ELF file", error.Message);
        Assert.Equal("not a shared object\n", File.ReadAllText(text));
    }

    [Fact]
    public void A_truncated_elf_is_an_error()
    {
        string truncated = Path.Combine(dir, "truncated.so");
        File.WriteAllBytes(truncated, File.ReadAllBytes(PristineLibTorchSharp())[..4096]);

        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(truncated, Version));
    }

    [Fact]
    public void The_build_patched_the_copy_this_test_process_loads()
    {
        string loaded = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        byte[] elf = File.ReadAllBytes(loaded);
        int flags = Assert.Single(ElfVersionNeedPatcher.FindVernauxFlagOffsets(elf, Version));

        bool weak = (elf[flags] & ElfVersionNeedPatcher.VerFlagWeak) != 0;
        Assert.Equal(!ElfVersionNeedPatcher.SystemLibStdCxxProvides(Version), weak);
    }

    [Fact]
    public void System_libstdcxx_detection_finds_the_base_version_and_not_a_made_up_one()
    {
        Assert.True(ElfVersionNeedPatcher.SystemLibStdCxxProvides("GLIBCXX_3.4"));
        Assert.False(ElfVersionNeedPatcher.SystemLibStdCxxProvides("GLIBCXX_99.0"));
    }

    private string CopyToTemp(string source)
    {
        string copy = Path.Combine(dir, Path.GetFileName(source));
        File.Copy(source, copy);
        return copy;
    }

    private static string PristineLibTorchSharp()
    {
        string packageDir = typeof(ElfVersionNeedPatcherTests).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpPackageDir").Value!;
        return Path.Combine(packageDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }
}
