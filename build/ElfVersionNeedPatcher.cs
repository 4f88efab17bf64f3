// Compiled twice: as the inline MSBuild task of build/TorchSharpGlibcxxFix.targets (netstandard
// references, so no Span/BinaryPrimitives here), and linked into tests/GpuWorker.Tests, which
// defines NO_MSBUILD_TASK because it has no Microsoft.Build reference.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Atelier.Build
{
    /// <summary>What <see cref="ElfVersionNeedPatcher.MarkWeak"/> did to a file.</summary>
    public enum VersionNeedPatchResult
    {
        /// <summary>The version need had no weak flag; the file was rewritten with it set.</summary>
        Patched,

        /// <summary>Every matching version need was already weak; the file was not touched.</summary>
        AlreadyWeak,

        /// <summary>The file does not require the version at all; the file was not touched.</summary>
        NotReferenced,
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on a version need (a Vernaux entry of <c>.gnu.version_r</c>) of an
    /// ELF64 little-endian shared object, so that the dynamic loader tolerates the version's absence.
    /// </summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary><c>VER_FLG_WEAK</c> from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtStrtab = 3;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const int SectionHeaderSize = 64;
        private const int VerneedSize = 16;
        private const int VernauxSize = 16;

        /// <summary>
        /// Marks every Vernaux entry named <paramref name="versionName"/> weak. Writes only when a flag
        /// changes, and then through a new file renamed over <paramref name="path"/>, keeping its
        /// timestamp and mode.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is not a well-formed ELF64 little-endian object.</exception>
        public static VersionNeedPatchResult MarkWeak(string path, string versionName)
        {
            byte[] elf = File.ReadAllBytes(path);
            List<int> flagOffsets;
            try
            {
                flagOffsets = FindVernauxFlagOffsets(elf, versionName);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }

            if (flagOffsets.Count == 0)
            {
                return VersionNeedPatchResult.NotReferenced;
            }

            bool changed = false;
            foreach (int offset in flagOffsets)
            {
                ushort flags = ReadU16(elf, offset);
                if ((flags & VerFlagWeak) == 0)
                {
                    WriteU16(elf, offset, (ushort)(flags | VerFlagWeak));
                    changed = true;
                }
            }

            if (!changed)
            {
                return VersionNeedPatchResult.AlreadyWeak;
            }

            // A new file renamed over the old one rather than an in-place write: the output copy may be
            // a hard link or symlink into the NuGet cache, which must stay pristine. File.Copy keeps
            // the mode; the original timestamp keeps MSBuild's Copy (SkipUnchangedFiles) from copying
            // the unpatched file back on the next incremental build.
            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            string temp = path + ".weak-" + Guid.NewGuid().ToString("N");
            try
            {
                File.Copy(path, temp);
                File.WriteAllBytes(temp, elf);
                File.SetLastWriteTimeUtc(temp, lastWrite);
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }

            return VersionNeedPatchResult.Patched;
        }

        /// <summary>
        /// Walks the section headers to <c>.gnu.version_r</c>, then its Verneed/Vernaux chains, and returns
        /// the file offsets of <c>vna_flags</c> for every entry named <paramref name="versionName"/>.
        /// </summary>
        public static List<int> FindVernauxFlagOffsets(byte[] elf, string versionName)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException("not an ELF file");
            }

            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException($"not ELF64 little-endian (class {elf[4]}, data {elf[5]})");
            }

            int shoff = ToInt(ReadU64(elf, 0x28), "e_shoff");
            int shentsize = ReadU16(elf, 0x3a);
            int shnum = ReadU16(elf, 0x3c);
            int shstrndx = ReadU16(elf, 0x3e);
            if (shoff == 0)
            {
                throw new InvalidDataException("no section header table");
            }

            if (shentsize != SectionHeaderSize)
            {
                throw new InvalidDataException($"unexpected e_shentsize {shentsize}");
            }

            Check(elf, shoff, SectionHeaderSize, "section header 0");
            // Extended numbering: with 0xff00+ sections the real counts live in section header 0.
            if (shnum == 0)
            {
                shnum = ToInt(ReadU64(elf, shoff + 32), "section count");
            }

            if (shstrndx == 0xffff)
            {
                shstrndx = (int)ReadU32(elf, shoff + 40);
            }

            Check(elf, shoff, (long)shnum * SectionHeaderSize, "section header table");
            var sections = new Section[shnum];
            for (int i = 0; i < shnum; i++)
            {
                sections[i] = new Section(elf, shoff + i * SectionHeaderSize, i);
            }

            Section shstrtab = SectionAt(sections, shstrndx, "e_shstrndx");
            Section? verneed = null;
            foreach (Section s in sections)
            {
                if (ReadString(elf, shstrtab, s.Name) == ".gnu.version_r")
                {
                    verneed = s;
                    break;
                }
            }

            var result = new List<int>();
            if (verneed == null)
            {
                return result; // no versioned dependencies at all
            }

            if (verneed.Type != ShtGnuVerneed)
            {
                throw new InvalidDataException($".gnu.version_r has type 0x{verneed.Type:x}, expected SHT_GNU_verneed");
            }

            Section dynstr = SectionAt(sections, (int)verneed.Link, ".gnu.version_r sh_link");
            if (dynstr.Type != ShtStrtab)
            {
                throw new InvalidDataException($"section {dynstr.Index} linked from .gnu.version_r is not a string table");
            }

            Check(elf, verneed.Offset, verneed.Size, ".gnu.version_r");
            long end = verneed.Offset + verneed.Size;
            long need = verneed.Offset;
            for (uint i = 0; i < verneed.Info; i++)
            {
                CheckWithin(need, VerneedSize, end, "Verneed");
                int needAt = (int)need;
                if (ReadU16(elf, needAt) != 1)
                {
                    throw new InvalidDataException($"Verneed at 0x{needAt:x} has vn_version {ReadU16(elf, needAt)}, expected 1");
                }

                long aux = need + ReadU32(elf, needAt + 8);
                for (int j = 0; j < ReadU16(elf, needAt + 2); j++)
                {
                    CheckWithin(aux, VernauxSize, end, "Vernaux");
                    int auxAt = (int)aux;
                    if (ReadString(elf, dynstr, ReadU32(elf, auxAt + 8)) == versionName)
                    {
                        result.Add(auxAt + 4);
                    }

                    aux += ReadU32(elf, auxAt + 12);
                }

                uint next = ReadU32(elf, needAt + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }

            return result;
        }

        /// <summary>
        /// True when a libstdc++.so.6 of this system (from <c>ldconfig -p</c>, else the usual paths)
        /// defines <paramref name="versionName"/>, in which case no patch is needed.
        /// </summary>
        public static bool SystemLibStdCxxProvides(string versionName)
        {
            byte[] needle = Encoding.ASCII.GetBytes(versionName + "\0");
            foreach (string lib in SystemLibStdCxxPaths())
            {
                if (File.Exists(lib) && IndexOf(File.ReadAllBytes(lib), needle) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static IEnumerable<string> SystemLibStdCxxPaths()
        {
            var paths = new List<string>();
            try
            {
                var start = new ProcessStartInfo("/sbin/ldconfig", "-p")
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                using (Process? ldconfig = Process.Start(start))
                {
                    if (ldconfig != null)
                    {
                        // Lines look like: "\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6"
                        string output = ldconfig.StandardOutput.ReadToEnd();
                        ldconfig.WaitForExit();
                        foreach (string line in output.Split('\n'))
                        {
                            int arrow = line.IndexOf("=> ", StringComparison.Ordinal);
                            if (line.TrimStart().StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) && arrow >= 0)
                            {
                                paths.Add(line.Substring(arrow + 3).Trim());
                            }
                        }
                    }
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No ldconfig (e.g. a minimal container): fall through to the usual paths.
            }

            if (paths.Count == 0)
            {
                paths.Add("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
                paths.Add("/usr/lib/aarch64-linux-gnu/libstdc++.so.6");
                paths.Add("/usr/lib64/libstdc++.so.6");
                paths.Add("/usr/lib/libstdc++.so.6");
            }

            return paths;
        }

        private sealed class Section
        {
            public Section(byte[] elf, int at, int index)
            {
                Index = index;
                Name = ReadU32(elf, at);
                Type = ReadU32(elf, at + 4);
                Offset = (long)Math.Min(ReadU64(elf, at + 24), long.MaxValue);
                Size = (long)Math.Min(ReadU64(elf, at + 32), long.MaxValue);
                Link = ReadU32(elf, at + 40);
                Info = ReadU32(elf, at + 44);
            }

            public int Index { get; }
            public uint Name { get; }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        private static Section SectionAt(Section[] sections, int index, string what)
        {
            if (index <= 0 || index >= sections.Length)
            {
                throw new InvalidDataException($"{what} {index} is not a valid section index");
            }

            return sections[index];
        }

        private static string ReadString(byte[] elf, Section table, uint offset)
        {
            if (offset >= table.Size)
            {
                throw new InvalidDataException($"string offset {offset} lies outside section {table.Index}");
            }

            Check(elf, table.Offset, table.Size, $"string table (section {table.Index})");
            int start = (int)(table.Offset + offset);
            int end = start;
            int limit = (int)(table.Offset + table.Size);
            while (end < limit && elf[end] != 0)
            {
                end++;
            }

            if (end == limit)
            {
                throw new InvalidDataException($"unterminated string at 0x{start:x}");
            }

            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        private static void Check(byte[] elf, long offset, long length, string what)
        {
            CheckWithin(offset, length, elf.Length, what);
        }

        private static void CheckWithin(long offset, long length, long end, string what)
        {
            if (offset < 0 || length < 0 || length > end || offset > end - length)
            {
                throw new InvalidDataException($"{what} at 0x{offset:x} (+{length}) runs past 0x{end:x}");
            }
        }

        private static int ToInt(ulong value, string what)
        {
            if (value > int.MaxValue)
            {
                throw new InvalidDataException($"{what} 0x{value:x} is out of range");
            }

            return (int)value;
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static ushort ReadU16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);

        private static uint ReadU32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

        private static ulong ReadU64(byte[] b, int at) => ReadU32(b, at) | (ulong)ReadU32(b, at + 4) << 32;

        private static void WriteU16(byte[] b, int at, ushort value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
        }
    }

#if !NO_MSBUILD_TASK
    /// <summary>
    /// MSBuild task: marks <see cref="VersionName"/> weak in each existing file of <see cref="Files"/>,
    /// unless the system libstdc++ already provides that version.
    /// </summary>
    public sealed class MarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
    {
        /// <summary>Output copies of the shared object; missing files are skipped.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>The version need to mark weak, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        [Microsoft.Build.Framework.Required]
        public string VersionName { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            var existing = new List<string>();
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                if (File.Exists(path) && !existing.Contains(path))
                {
                    existing.Add(path);
                }
            }

            if (existing.Count == 0)
            {
                return true;
            }

            if (ElfVersionNeedPatcher.SystemLibStdCxxProvides(VersionName))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "System libstdc++ provides {0}; not patching.", VersionName);
                return true;
            }

            foreach (string path in existing)
            {
                try
                {
                    if (ElfVersionNeedPatcher.MarkWeak(path, VersionName) == VersionNeedPatchResult.Patched)
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "Marked {0} weak in {1}.", VersionName, path);
                    }
                }
                catch (Exception e) when (e is InvalidDataException || e is IOException || e is UnauthorizedAccessException)
                {
                    Log.LogError("Cannot mark {0} weak: {1}", VersionName, e.Message); // the message names the file
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
#endif
}
