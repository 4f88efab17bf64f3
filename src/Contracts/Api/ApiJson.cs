using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atelier.Contracts.Api;

/// <summary>The JSON options shared by the HTTP API, <c>pbm</c> and the wire serializer.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Messages quote names ('x', `pbm …`); keep them readable in the JSON.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }
}
