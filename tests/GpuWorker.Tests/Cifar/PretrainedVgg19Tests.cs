using System.Collections;
using System.Text.Json;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Cifar;
using Atelier.GpuWorker.Standalone;
using Atelier.Contracts.Jobs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Atelier.GpuWorker.Tests.Cifar;

/// <summary>
/// <c>pretrained</c>: torchvision's vgg19 state_dict into the CIFAR network by the Keras reference's layer names (16
/// convolutions and fc2), everything else left to its initialisation; bad files refused before anything is copied.
/// </summary>
public sealed class PretrainedVgg19Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atelier-pretrained-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_sixteen_convolutions_and_fc2_come_from_the_file_and_nothing_else_changes()
    {
        using var scope = NewDisposeScope();
        var file = TorchvisionVgg19(seed: 1);
        var path = Save(file, "vgg19.safetensors");
        using var model = new Vgg19Cifar(1.0, initSeed: 5);
        using var untouched = new Vgg19Cifar(1.0, initSeed: 5);

        var loaded = PretrainedVgg19.Load(model, path);

        Assert.Equal(34, loaded.Count);
        Assert.Equal(new PretrainedVgg19.Mapping("block1_conv1", "features.0.weight", "features.0.weight"), loaded[0]);
        Assert.Equal(new PretrainedVgg19.Mapping("block2_conv1", "features.5.bias", "features.7.bias"), loaded[5]);
        Assert.Equal(new PretrainedVgg19.Mapping("block5_conv4", "features.34.weight", "features.49.weight"), loaded[30]);
        Assert.Equal(new PretrainedVgg19.Mapping("fc2", "classifier.3.weight", "classifier.4.weight"), loaded[32]);
        var state = model.state_dict();
        var before = untouched.state_dict();
        var taken = loaded.ToDictionary(m => m.ModelKey, m => m.FileKey);
        foreach (var (key, tensor) in state)
        {
            var expected = taken.TryGetValue(key, out var fileKey) ? file[fileKey] : before[key];
            Assert.True(Same(tensor, expected), $"{key} should equal {(fileKey is null ? "its initialisation" : "the file's " + fileKey)}");
        }
    }

    [Fact]
    public void The_job_starts_from_the_file_and_lists_what_it_took_in_pretrained_json()
    {
        using (NewDisposeScope()) Save(TorchvisionVgg19(seed: 2), "vgg19.safetensors");
        var output = new StringWriter();
        var error = new StringWriter();
        var run = Path.Combine(_dir, "run");

        var code = RunCommand.Execute(
            ["cifar-vgg19", "-p", "width=1", "-p", "epochs=1", "-p", "train_subset=4", "-p", "test_subset=4", "-p", "batch_size=2",
             "-p", "checkpoint_every=0", "-p", $"pretrained={Path.Combine(_dir, "vgg19.safetensors")}", "--out", run],
            JobRegistry.Default(), output, error, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json")));
        Assert.Equal("pretrained.json", result.RootElement.GetProperty("artifacts").GetProperty("pretrained").GetString());
        using var listing = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "pretrained.json")));
        Assert.Equal(Path.Combine(_dir, "vgg19.safetensors"), listing.RootElement.GetProperty("file").GetString());
        Assert.Equal(64, listing.RootElement.GetProperty("sha256").GetString()!.Length);
        var tensors = listing.RootElement.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(34, tensors.Count);
        Assert.Equal("features.49.bias", tensors[31].GetProperty("to").GetString());
    }

    [Fact]
    public void A_width_other_than_1_is_refused_naming_the_first_tensor_and_the_width()
    {
        using var scope = NewDisposeScope();
        var path = Save(TorchvisionVgg19(seed: 3), "vgg19.safetensors");
        using var model = new Vgg19Cifar(0.5, initSeed: 0);
        var e = Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, path));
        Assert.Contains("parameter pretrained", e.Message);
        Assert.Contains("block1_conv1's 'features.0.weight' has shape (64, 3, 3, 3), the model's 'features.0.weight' is (32, 3, 3, 3) at width 0.5; ImageNet weights need width 1", e.Message);
    }

    [Fact]
    public void A_file_missing_fc2_is_refused_and_leaves_every_weight_as_it_was()
    {
        using var scope = NewDisposeScope();
        var file = TorchvisionVgg19(seed: 4);
        file.Remove("classifier.3.bias");
        var path = Save(file, "no-fc2.safetensors");
        using var model = new Vgg19Cifar(1.0, initSeed: 7);
        using var untouched = new Vgg19Cifar(1.0, initSeed: 7);

        var e = Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, path));

        Assert.Contains("fc2's 'classifier.3.bias' is missing", e.Message);
        Assert.Contains("no-fc2.safetensors", e.Message);
        var before = untouched.state_dict();
        foreach (var (key, tensor) in model.state_dict()) Assert.True(Same(tensor, before[key]), $"{key} changed although the file was refused");
    }

    [Fact]
    public void Vgg19_bn_a_foreign_file_and_no_file_are_refused_with_the_reason()
    {
        using var scope = NewDisposeScope();
        using var model = new Vgg19Cifar(1.0, initSeed: 0);

        // torch.save(torchvision.models.vgg19_bn().state_dict()) begins: conv, then batch norm at features.1.
        var bn = Path.Combine(_dir, "vgg19_bn.pth");
        PyTorchPickler.PickleStateDict(bn, new Hashtable
        {
            ["features.0.weight"] = zeros(64, 3, 3, 3), ["features.0.bias"] = zeros(64), ["features.1.running_mean"] = zeros(64),
        });
        Assert.Contains("is torchvision's vgg19_bn (it has features.1.running_mean); pretrained takes vgg19",
            Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, bn)).Message);

        var resnet = Path.Combine(_dir, "resnet.pth");
        PyTorchPickler.PickleStateDict(resnet, new Hashtable { ["conv1.weight"] = zeros(64, 3, 7, 7) });
        Assert.Contains("block1_conv1's 'features.0.weight' is missing; this is not torchvision's vgg19 state_dict",
            Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, resnet)).Message);

        var garbage = Path.Combine(_dir, "garbage.pth");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, garbage));
        Assert.Contains("garbage.pth': cannot be read as a PyTorch state_dict", e.Message);

        Assert.Contains("no such file", Assert.Throws<JobParameterException>(() => PretrainedVgg19.Load(model, Path.Combine(_dir, "none.pth"))).Message);
    }

    /// <summary>
    /// What <c>torchvision.models.vgg19().state_dict()</c> holds for the tensors the reference loads (random values), plus
    /// stand-ins for the ImageNet classifier's other layers, which must be ignored (the real ones are 400 MB).
    /// </summary>
    private static Dictionary<string, Tensor> TorchvisionVgg19(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        var file = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        long index = 0, channels = 3;
        foreach (var width in Vgg19Cifar.Layout.Append(0))
        {
            if (width == 0)
            {
                index++;
                continue;
            }
            file[$"features.{index}.weight"] = randn([width, channels, 3, 3], generator: generator) * 0.05;
            file[$"features.{index}.bias"] = randn([width], generator: generator) * 0.05;
            channels = width;
            index += 2;
        }
        file["classifier.0.weight"] = zeros(4, 7);
        file["classifier.3.weight"] = randn([4096, 4096], generator: generator) * 0.01;
        file["classifier.3.bias"] = randn([4096], generator: generator) * 0.01;
        file["classifier.6.bias"] = zeros(1000);
        return file;
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private string Save(Dictionary<string, Tensor> file, string name)
    {
        var path = Path.Combine(_dir, name);
        using var stream = File.Create(path);
        Safetensors.SaveStateDict(stream, file);
        return path;
    }
}
