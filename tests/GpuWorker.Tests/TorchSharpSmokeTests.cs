using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.GpuWorker.Tests;

/// <summary>
/// Loads TorchSharp in the test process (which needs the GLIBCXX_3.4.32 patch on Debian 12) and
/// trains a small conv net on CPU.
/// </summary>
public sealed class TorchSharpSmokeTests
{
    private const int Batch = 16;
    private const int Classes = 10;

    [Fact]
    public void Forward_and_backward_give_finite_loss_and_gradients_for_every_parameter()
    {
        using var scope = torch.NewDisposeScope();
        torch.random.manual_seed(1234);
        using var model = new SmallConvNet(Classes);
        var (input, target) = RandomBatch();

        var output = model.forward(input);
        var loss = functional.cross_entropy(output, target);
        loss.backward();

        Assert.Equal(new long[] { Batch, Classes }, output.shape);
        Assert.True(float.IsFinite(loss.item<float>()), $"loss {loss.item<float>()}");
        var parameters = model.named_parameters().ToList();
        Assert.Equal(5, parameters.Count); // conv.weight, bn.weight, bn.bias, fc.weight, fc.bias
        foreach (var (name, parameter) in parameters)
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void A_few_sgd_steps_on_one_batch_lower_the_loss()
    {
        using var scope = torch.NewDisposeScope();
        torch.random.manual_seed(1234);
        using var model = new SmallConvNet(Classes);
        var (input, target) = RandomBatch();
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1);

        float first = 0, last = 0;
        for (int step = 0; step < 10; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = functional.cross_entropy(model.forward(input), target);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0)
            {
                first = last;
            }
        }

        Assert.True(float.IsFinite(last), $"loss {last}");
        Assert.True(last < first * 0.9f, $"loss went from {first} to {last}");
    }

    private static (Tensor Input, Tensor Target) RandomBatch() =>
        (torch.randn(Batch, 3, 8, 8), torch.randint(0, Classes, new long[] { Batch }, dtype: ScalarType.Int64));

    /// <summary>Conv → BatchNorm → ReLU → MaxPool → Linear, for 3×8×8 inputs.</summary>
    private sealed class SmallConvNet : Module<Tensor, Tensor>
    {
        // No conv bias: BatchNorm subtracts the batch mean, so that bias would get a zero gradient.
        private readonly Conv2d conv = Conv2d(3, 8, kernel_size: 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn = BatchNorm2d(8);
        private readonly ReLU relu = ReLU();
        private readonly MaxPool2d pool = MaxPool2d(kernel_size: 2);
        private readonly Linear fc;

        public SmallConvNet(int classes) : base(nameof(SmallConvNet))
        {
            fc = Linear(8 * 4 * 4, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) =>
            fc.forward(pool.forward(relu.forward(bn.forward(conv.forward(input)))).flatten(1));
    }
}
