{#- Fails for each value that is neither listed in a reference seed column nor among the fallback
    values the model itself produces. accepted_values cannot be used where analytics engineers edit
    the list in a seed: a new channel in channel_mapping must not break the build. -#}
{% test values_in_reference(model, column_name, reference, reference_column, fallback_values=[]) %}

select distinct {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        select {{ reference_column }} from {{ reference }} where {{ reference_column }} is not null
    )
    {%- if fallback_values %}
    and {{ column_name }} not in (
        {%- for value in fallback_values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
    {%- endif %}

{% endtest %}
