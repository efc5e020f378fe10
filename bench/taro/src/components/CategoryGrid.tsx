import { Navigator, Text, View } from '@tarojs/components'

import { categories } from '../data'
import './CategoryGrid.css'

interface Props {
  layout?: 'grid' | 'list'
}

export default function CategoryGrid({ layout = 'grid' }: Props) {
  return (
    <View className='section'>
      <View className={`categories categories-${layout}`}>
        {categories.map((category) => (
          <Navigator key={category.id} className='category' url={`/catalog/category/index?id=${category.id}`}>
            <View className='category-initial'>{category.name.slice(0, 1)}</View>
            <Text className='category-name'>{category.name}</Text>
          </Navigator>
        ))}
      </View>
    </View>
  )
}
