import { View } from '@tarojs/components'

import CategoryGrid from '../../components/CategoryGrid'

export default function Shop() {
  return (
    <View className='shop'>
      <CategoryGrid layout='list' />
    </View>
  )
}
