using System.Text.Json.Serialization;
using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Jobs;

/// <summary>The type of a job parameter, and the kind of a <see cref="ParamValue"/>.</summary>
[JsonConverter(typeof(SnakeCaseLowerEnumConverter<ParamType>))]
public enum ParamType
{
    /// <summary>A 64-bit integer.</summary>
    Int,
    /// <summary>A finite double; integers are accepted where a float is expected.</summary>
    Float,
    /// <summary>A string, possibly restricted to a set of allowed values.</summary>
    String,
    /// <summary>true or false.</summary>
    Bool,
}
