{#- Fails for each embedded row whose vector does not have `dimension` entries or is not
    L2-normalised (norm 1 within `tolerance`); rows without a vector must say why in `status`. -#}
{% test embedding_is_unit_vector(model, column_name, dimension, tolerance=0.001) %}

select {{ column_name }}
from {{ model }}
where
    status = 'embedded'
    and (
        {{ column_name }} is null
        or len({{ column_name }}) != {{ dimension }}
        or abs(sqrt(list_sum(list_transform({{ column_name }}, lambda x: x * x))) - 1) > {{ tolerance }}
    )

{% endtest %}
