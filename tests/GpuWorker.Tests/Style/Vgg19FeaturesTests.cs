using System.Collections;
using Atelier.Contracts.Jobs;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Jobs.Style;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Tests.Style;

/// <summary>VGG19 in torchvision's layout, its layer names, and its weights from every supported source.</summary>
public sealed class Vgg19FeaturesTests
{
    private static readonly int[] ConvIndices = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];

    [Fact]
    public void State_dict_has_torchvision_keys_and_shapes()
    {
        using var net = new Vgg19Features();
        var state = net.state_dict();
        Assert.Equal(ConvIndices.SelectMany(i => new[] { $"features.{i}.weight", $"features.{i}.bias" }), state.Keys);
        Assert.Equal(new long[] { 64, 3, 3, 3 }, state["features.0.weight"].shape);
        Assert.Equal(new long[] { 128, 64, 3, 3 }, state["features.5.weight"].shape);
        Assert.Equal(new long[] { 512, 512, 3, 3 }, state["features.34.weight"].shape);
        Assert.Equal(new long[] { 512 }, state["features.34.bias"].shape);
        Assert.Equal(20_024_384, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Layer_names_follow_the_blocks()
    {
        Assert.Equal(37, Vgg19Features.LayerNames.Count);
        Assert.Equal(0, Vgg19Features.IndexOf("conv1_1"));
        Assert.Equal(1, Vgg19Features.IndexOf("relu1_1"));
        Assert.Equal(4, Vgg19Features.IndexOf("pool1"));
        Assert.Equal(22, Vgg19Features.IndexOf("relu4_2"));
        Assert.Equal(29, Vgg19Features.IndexOf("relu5_1"));
        Assert.Equal(35, Vgg19Features.IndexOf("relu5_4"));
        Assert.Equal(36, Vgg19Features.IndexOf("pool5"));
        Assert.Equal(-1, Vgg19Features.IndexOf("relu6_1"));
        Assert.Equal(1, Vgg19Features.MinimumSide("relu1_1"));
        Assert.Equal(8, Vgg19Features.MinimumSide("relu4_2"));
        Assert.Equal(16, Vgg19Features.MinimumSide("relu5_1"));
        Assert.Equal(32, Vgg19Features.MinimumSide("pool5"));
        // The job definition offers exactly these names for content_layer.
        Assert.Equal(Vgg19Features.LayerNames, StyleTransferJobDefinition.Definition.Find("content_layer")!.Allowed);
    }

    [Fact]
    public void Extract_matches_the_sequential_and_runs_only_as_deep_as_needed()
    {
        using var scope = torch.NewDisposeScope();
        using var net = StyleTestData.Network();
        torch.random.manual_seed(5);
        var x = torch.randn(1, 3, 32, 32);
        var all = net.Extract(x, ["relu1_1", "conv3_1", "relu5_4", "pool5"]);
        Assert.True(Same(all["pool5"], net.forward(x)));
        Assert.Equal(new long[] { 1, 64, 32, 32 }, all["relu1_1"].shape);
        Assert.Equal(new long[] { 1, 256, 8, 8 }, all["conv3_1"].shape);
        Assert.Equal(new long[] { 1, 512, 2, 2 }, all["relu5_4"].shape);
        Assert.True(all["conv3_1"].min().item<float>() < 0, "conv3_1 must be the output before its ReLU");

        // 8×8 is too small for the whole stack (pool4 would leave nothing), but enough up to relu3_1.
        var small = net.Extract(torch.randn(1, 3, 8, 8), ["relu3_1"]);
        Assert.Equal(new long[] { 1, 256, 2, 2 }, small["relu3_1"].shape);
        Assert.Throws<ArgumentException>(() => net.Extract(x, ["relu9_9"]));
    }

    [Fact]
    public void Frozen_network_has_no_trainable_weights_but_passes_gradients_to_the_input()
    {
        using var scope = torch.NewDisposeScope();
        using var net = StyleTestData.Network();
        Assert.All(net.parameters(), p => Assert.False(p.requires_grad));
        Assert.False(net.training);
        var x = torch.randn(1, 3, 16, 16).requires_grad_(true);
        net.Extract(x, ["relu2_1"])["relu2_1"].sum().backward();
        Assert.NotNull(x.grad);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
        Assert.All(net.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void Random_weights_are_torchvision_kaiming_fan_out_and_reproducible()
    {
        using var a = StyleTestData.Network(seed: 42);
        using var b = StyleTestData.Network(seed: 42);
        using var c = StyleTestData.Network(seed: 43);
        var sa = a.state_dict();
        Assert.All(sa.Keys, k => Assert.True(Same(sa[k], b.state_dict()[k]), k));
        Assert.False(Same(sa["features.0.weight"], c.state_dict()["features.0.weight"]));
        Assert.Equal(0f, sa["features.0.bias"].abs().sum().item<float>());
        // std = sqrt(2 / fan_out), fan_out = 256·3·3 for features.10.
        var std = sa["features.10.weight"].std().item<float>();
        Assert.InRange(std, Math.Sqrt(2.0 / 2304) * 0.97, Math.Sqrt(2.0 / 2304) * 1.03);
    }

    [Fact]
    public void A_pytorch_format_state_dict_with_classifier_keys_round_trips_to_identical_features()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var scope = torch.NewDisposeScope();
        using var source = StyleTestData.Network(seed: 11);
        var path = temp.File("vgg19.pth");
        // As torch.save(torchvision.models.vgg19().state_dict()) writes it: features.* plus classifier.* (small here).
        var state = new Hashtable();
        foreach (var (k, v) in source.state_dict()) state[k] = v;
        state["classifier.0.weight"] = torch.randn(8, 12);
        state["classifier.0.bias"] = torch.randn(8);
        state["classifier.6.weight"] = torch.randn(10, 8);
        PyTorchPickler.PickleStateDict(path, state);

        using var loaded = new Vgg19Features();
        VggWeights.Load(loaded, path);
        loaded.Freeze();
        AssertSameFeatures(source, loaded);

    }

    [Fact]
    public void Safetensors_and_prefixless_state_dicts_load_too()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var scope = torch.NewDisposeScope();
        using var source = StyleTestData.Network(seed: 12);
        var path = temp.File("vgg19.safetensors");
        var withClassifier = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        withClassifier["classifier.0.weight"] = torch.randn(4, 4);
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, withClassifier);
        using var loaded = new Vgg19Features();
        VggWeights.Load(loaded, path);
        AssertSameFeatures(source, loaded.Freeze());

        // vgg19().features.state_dict(): keys "0.weight" … "34.bias".
        var prefixless = source.state_dict().ToDictionary(kv => kv.Key["features.".Length..], kv => kv.Value);
        var path2 = temp.File("features-only.safetensors");
        using (var stream = File.Create(path2)) Safetensors.SaveStateDict(stream, prefixless);
        using var loaded2 = new Vgg19Features();
        VggWeights.Load(loaded2, path2);
        AssertSameFeatures(source, loaded2.Freeze());
    }

    [Fact]
    public void A_vgg19_bn_state_dict_is_folded_into_the_convolutions()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var scope = torch.NewDisposeScope();
        torch.random.manual_seed(21);
        // torchvision vgg19_bn().features: [conv, bn, relu] per conv, pools between blocks; BN stats made non-trivial.
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long inChannels = 3;
        foreach (var channels in StyleTransferJobDefinition.Vgg19Config)
        {
            if (channels == 0) { layers.Add(($"{layers.Count}", MaxPool2d(2, 2))); continue; }
            layers.Add(($"{layers.Count}", Conv2d(inChannels, channels, 3, padding: 1)));
            var bn = BatchNorm2d(channels);
            using (torch.no_grad())
            {
                bn.weight!.uniform_(0.5, 1.5);
                bn.bias!.uniform_(-0.2, 0.2);
                bn.running_mean!.uniform_(-0.1, 0.1);
                bn.running_var!.uniform_(0.5, 2);
            }
            layers.Add(($"{layers.Count}", bn));
            layers.Add(($"{layers.Count}", ReLU()));
            inChannels = channels;
        }
        using var reference = Sequential(layers.ToArray());
        reference.eval();
        var file = reference.state_dict().ToDictionary(kv => "features." + kv.Key, kv => kv.Value);
        file["classifier.0.weight"] = torch.randn(4, 4);
        var path = temp.File("vgg19_bn.safetensors");
        using (var stream = File.Create(path)) Safetensors.SaveStateDict(stream, file);

        using var net = new Vgg19Features();
        VggWeights.Load(net, path);
        net.Freeze();
        var x = torch.randn(1, 3, 16, 16);
        // relu3_1 is module 11 in vgg19 and module 16 in vgg19_bn ([conv, bn, relu] ×2, pool, ×2, pool, conv, bn, relu).
        var expected = x;
        for (var i = 0; i <= 16; i++) expected = ((Module<Tensor, Tensor>)reference.children().ElementAt(i)).forward(expected);
        var actual = net.Extract(x, ["relu3_1"])["relu3_1"];
        Assert.True(torch.allclose(actual, expected, rtol: 1e-4, atol: 1e-5),
            $"max difference {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void A_cifar_vgg19_checkpoint_is_read_through_its_model_entry()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var scope = torch.NewDisposeScope();
        // As the cifar-vgg19 job writes epoch-NNNN.pt: a dict whose "model" entry is a vgg19_bn-layout state_dict.
        // (A complete one is 80 MB of slow pickling; the first keys show that the nested state_dict is the one read.)
        var model = new Hashtable { ["features.0.weight"] = torch.zeros(64, 3, 3, 3), ["features.1.running_mean"] = torch.zeros(64) };
        var path = temp.File("epoch-0003.pt");
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["format"] = "atelier/cifar-vgg19/1", ["epoch"] = 3, ["model"] = model });
        using var net = new Vgg19Features();
        var e = Assert.Throws<JobParameterException>(() => VggWeights.Load(net, path));
        Assert.Contains("'features.0.bias' is missing", e.Message);
        Assert.Contains("it has 2 keys: features.0.weight, features.1.running_mean", e.Message);
    }

    [Fact]
    public void Bad_weight_sources_are_refused_with_the_parameter_and_the_problem()
    {
        using var temp = new StyleTestData.TempDirectory();
        using var scope = torch.NewDisposeScope();
        using var net = new Vgg19Features();
        Assert.Contains("random:SEED needs an integer", Assert.Throws<JobParameterException>(() => VggWeights.Load(net, "random:x")).Message);
        Assert.Contains("no such file", Assert.Throws<JobParameterException>(() => VggWeights.Load(net, temp.File("none.pth"))).Message);

        var garbage = temp.File("garbage.pth");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<JobParameterException>(() => VggWeights.Load(net, garbage));
        Assert.Contains("vgg_weights", e.Message);
        Assert.Contains("garbage.pth", e.Message);
        Assert.Contains("torch.save", e.Message);

        // Checked key by key in order: a small file shows both problems.
        var missing = temp.File("missing.pth");
        PyTorchPickler.PickleStateDict(missing, new Hashtable { ["features.0.weight"] = torch.zeros(64, 3, 3, 3) });
        Assert.Contains("'features.0.bias' is missing", Assert.Throws<JobParameterException>(() => VggWeights.Load(net, missing)).Message);

        var wrong = temp.File("wrong.pth");
        PyTorchPickler.PickleStateDict(wrong, new Hashtable { ["features.0.weight"] = torch.zeros(64, 1, 3, 3), ["features.0.bias"] = torch.zeros(64) });
        Assert.Contains("'features.0.weight' has shape (64, 1, 3, 3), VGG19 needs (64, 3, 3, 3)",
            Assert.Throws<JobParameterException>(() => VggWeights.Load(net, wrong)).Message);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertSameFeatures(Vgg19Features expected, Vgg19Features actual)
    {
        using var scope = torch.NewDisposeScope();
        var e = expected.state_dict();
        var a = actual.state_dict();
        Assert.All(e.Keys, k => Assert.True(Same(e[k], a[k]), $"{k} differs"));
        torch.random.manual_seed(9);
        var x = torch.randn(1, 3, 32, 32);
        string[] layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"];
        var fe = expected.Extract(x, layers);
        var fa = actual.Extract(x, layers);
        Assert.All(layers, l => Assert.True(Same(fe[l], fa[l]), $"{l} differs"));
    }
}
