using Atelier.Coordinator.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Shared.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddAtelierSettings(CoordinatorSettings.All, args);
CoordinatorSettings settings;
try
{
    settings = CoordinatorSettings.From(builder.Configuration);
}
catch (SettingException e)
{
    Console.Error.WriteLine($"coordinator: {e.Message}");
    return 2;
}

builder.WebHost.UseUrls($"http://{settings.ApiHost}:{settings.ApiPort}");
builder.Services.AddCoordinatorAkka(settings);
builder.Services.AddSingleton<SweepService>();

var app = builder.Build();
app.UseJsonErrors();
app.MapSweepEndpoints();
app.Run();
return 0;
