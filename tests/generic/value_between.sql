{#- Fails for each row whose value lies outside [min_value, max_value]; nulls pass (use not_null
    for those). Used for scores, rates and probabilities. -#}
{% test value_between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
